package org.lvdcheck.checker.audit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.SourcePos;
import org.lvdcheck.spec.idl.IdlParser;
import org.lvdcheck.spec.idl.InterfaceModel;

/** One audit: the inputs with their SHA-256, and the findings. */
public record AuditRun(List<Input> inputs, List<Finding> findings) {
    public AuditRun {
        inputs = List.copyOf(inputs);
        findings = List.copyOf(findings);
    }

    /** An input file, its role (base, head, policy) and SHA-256 of its bytes. */
    public record Input(String role, String file, String sha256) {}

    /** Reads, parses and audits; any bad input is an InputError with its position. */
    public static AuditRun run(Path base, Path head, Path policyFile) throws InputError {
        Input baseIn = input("base", base);
        Input headIn = input("head", head);
        InterfaceModel b = InterfaceModel.of(IdlParser.parse(base));
        InterfaceModel h = InterfaceModel.of(IdlParser.parse(head));
        Policy policy = policyFile == null ? Policy.builtIn() : Policy.parse(policyFile);
        List<Input> inputs = policyFile == null ? List.of(baseIn, headIn)
                : List.of(baseIn, headIn, input("policy", policyFile));
        return new AuditRun(inputs, InterfaceAudit.audit(b, h, policy));
    }

    public boolean violated() {
        return findings.stream().anyMatch(f -> f.severity() == Severity.ERROR);
    }

    public long count(Severity s) {
        return findings.stream().filter(f -> f.severity() == s).count();
    }

    static Input input(String role, Path file) throws InputError {
        try {
            byte[] bytes = Files.readAllBytes(file);
            return new Input(role, file.toString(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(bytes)));
        } catch (IOException e) {
            throw new InputError(new SourcePos(file.toString(), 1, 1), "cannot read " + role + " file: " + e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
