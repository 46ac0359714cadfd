package org.lvdcheck.spec.idl;

import java.util.List;
import org.lvdcheck.spec.SourcePos;

/**
 * A projection instantiated under one default direction (idlc's {@code name__in},
 * {@code __out}, {@code __io}), with each field's effective direction; a field whose
 * own attributes say {@code unused} has a null direction.
 */
public record ProjectionInstance(String module, String scopedName, String cType, Direction direction,
        List<FieldDirection> fields, SourcePos pos) {
    public ProjectionInstance {
        fields = List.copyOf(fields);
    }

    public String instanceName() {
        return scopedName + direction.instanceSuffix();
    }

    public record FieldDirection(String name, String type, Direction direction, MemberKind kind) {}
}
