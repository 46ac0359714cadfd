package org.lvdcheck.spec.idl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.SourcePos;

/**
 * The driver interface an IDL file defines, after name resolution, D4's default
 * direction propagation and per-direction instantiation of projections
 * (LVD-AS-BUILT.md §5.3; docs/IDL.md "Model").
 *
 * <p>For the emulator: {@link #rpcTable()} lists every RPC with its id, name and
 * direction; {@link #projections()} lists every instantiated projection with the
 * effective direction of each field. For the auditor: {@link #facts()}.
 */
public final class InterfaceModel {
    private final IdlFile file;
    private final List<RpcEntry> rpcTable;
    private final List<ProjectionInstance> projections;
    private final Map<Fact, SourcePos> facts;
    private final Map<String, MessageWords> messageWords;

    InterfaceModel(IdlFile file, List<RpcEntry> rpcTable, List<ProjectionInstance> projections,
            Map<Fact, SourcePos> facts, Map<String, MessageWords> messageWords) {
        this.messageWords = Collections.unmodifiableMap(new LinkedHashMap<>(messageWords));
        this.file = file;
        this.rpcTable = List.copyOf(rpcTable);
        this.projections = List.copyOf(projections);
        this.facts = Collections.unmodifiableMap(new LinkedHashMap<>(facts));
    }

    /**
     * Resolves and analyses a parsed file. An unknown name, or an rpc or rpc_ptr defined
     * twice in one scope, is an InputError at the name; a projection defined twice in one
     * scope means its first definition (as in idlc).
     */
    public static InterfaceModel of(IdlFile file) throws InputError {
        return new ModelBuilder(file).build();
    }

    public IdlFile file() {
        return file;
    }

    /** Every rpc, rpc_ptr and rpc_export of every module, modules in order, ids from 0 per module. */
    public List<RpcEntry> rpcTable() {
        return rpcTable;
    }

    /** The RPC table of one module, in id order; empty if there is no such module. */
    public List<RpcEntry> rpcTable(String module) {
        List<RpcEntry> rows = new ArrayList<>();
        for (RpcEntry e : rpcTable) {
            if (e.module().equals(module)) {
                rows.add(e);
            }
        }
        return rows;
    }

    /** Every projection instance reached from an RPC or global, in the order first reached. */
    public List<ProjectionInstance> projections() {
        return projections;
    }

    /** What each RPC marshals in each direction, by scoped name (rpc_ptrs nested in an rpc as {@code outer.inner}). */
    public Map<String, MessageWords> messageWords() {
        return messageWords;
    }

    /** Every fact, with the first place in the file that establishes it. */
    public Map<Fact, SourcePos> facts() {
        return facts;
    }

    /** The fields of {@code cType} (e.g. {@code struct net_device}) the given side may read or write. */
    public List<Fact.FieldAccess> accesses(String cType, Domain side) {
        List<Fact.FieldAccess> out = new ArrayList<>();
        for (Fact f : facts.keySet()) {
            if (f instanceof Fact.FieldAccess a && a.container().equals(cType) && a.side() == side) {
                out.add(a);
            }
        }
        return out;
    }
}
