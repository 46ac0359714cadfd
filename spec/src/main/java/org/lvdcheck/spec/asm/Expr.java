package org.lvdcheck.spec.asm;

import java.util.OptionalLong;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.SourcePos;

/**
 * An assembler expression as written, kept unevaluated until link when it names labels or
 * symbols defined elsewhere. Operators and precedence follow GNU as (as.info, "Infix
 * Operators"): * / % << >> bind tightest, then | & ^ !, then + - and comparisons, then && ||.
 */
sealed interface Expr {

    SourcePos pos();

    /** The value when the expression names no symbol (GNU as's "absolute at parse time"). */
    OptionalLong constValue();

    /** Evaluates at link time, applying GNU as's rules for relocatable arithmetic. */
    Value eval(SymbolResolver symbols) throws InputError;

    /** Looks a symbol up at link time. */
    interface SymbolResolver {
        Value resolve(String name, SourcePos use) throws InputError;
    }

    record Num(long value, SourcePos pos) implements Expr {
        @Override
        public OptionalLong constValue() {
            return OptionalLong.of(value);
        }

        @Override
        public Value eval(SymbolResolver symbols) {
            return Value.absolute(value);
        }
    }

    record Sym(String name, SourcePos pos) implements Expr {
        @Override
        public OptionalLong constValue() {
            return OptionalLong.empty();
        }

        @Override
        public Value eval(SymbolResolver symbols) throws InputError {
            return symbols.resolve(name, pos);
        }
    }

    record Unary(String op, Expr operand, SourcePos pos) implements Expr {
        @Override
        public OptionalLong constValue() {
            OptionalLong v = operand.constValue();
            return v.isPresent() ? OptionalLong.of(apply(v.getAsLong())) : OptionalLong.empty();
        }

        @Override
        public Value eval(SymbolResolver symbols) throws InputError {
            Value v = operand.eval(symbols);
            if (!v.isAbsolute()) {
                throw new InputError(pos, "operator '" + op + "' needs an absolute operand, "
                        + "but it is an address in section " + v.displaySection());
            }
            return Value.absolute(apply(v.offset()));
        }

        private long apply(long v) {
            return switch (op) {
                case "-" -> -v;
                case "~" -> ~v;
                case "!" -> v == 0 ? 1 : 0;
                case "+" -> v;
                default -> throw new IllegalStateException(op);
            };
        }
    }

    record Binary(String op, Expr left, Expr right, SourcePos pos) implements Expr {
        @Override
        public OptionalLong constValue() {
            OptionalLong l = left.constValue();
            OptionalLong r = right.constValue();
            if (l.isEmpty() || r.isEmpty()) {
                return OptionalLong.empty();
            }
            Long v = applyAbsolute(l.getAsLong(), r.getAsLong());
            return v == null ? OptionalLong.empty() : OptionalLong.of(v);
        }

        @Override
        public Value eval(SymbolResolver symbols) throws InputError {
            Value l = left.eval(symbols);
            Value r = right.eval(symbols);
            if (l.isAbsolute() && r.isAbsolute()) {
                Long v = applyAbsolute(l.offset(), r.offset());
                if (v == null) {
                    throw new InputError(pos, "division by zero");
                }
                return Value.absolute(v);
            }
            // GNU as: relocatable + absolute, relocatable - absolute, and the difference of two
            // addresses in the same section; everything else cannot be expressed.
            if (op.equals("+") && (l.isAbsolute() || r.isAbsolute())) {
                Value rel = l.isAbsolute() ? r : l;
                long add = l.isAbsolute() ? l.offset() : r.offset();
                return new Value(rel.section(), rel.offset() + add);
            }
            if (op.equals("-") && r.isAbsolute()) {
                return new Value(l.section(), l.offset() - r.offset());
            }
            if (op.equals("-") && !l.isAbsolute() && l.section().equals(r.section())) {
                return Value.absolute(l.offset() - r.offset());
            }
            throw new InputError(pos, "invalid operands (" + l.displaySection() + " and "
                    + r.displaySection() + " sections) for '" + op + "'");
        }

        /** Null for division by zero. */
        private Long applyAbsolute(long a, long b) {
            return switch (op) {
                case "+" -> a + b;
                case "-" -> a - b;
                case "*" -> a * b;
                case "/" -> b == 0 ? null : a / b;
                case "%" -> b == 0 ? null : a % b;
                case "<<" -> a << b;
                case ">>" -> a >> b;
                case "&" -> a & b;
                case "|" -> a | b;
                case "^" -> a ^ b;
                case "!" -> a | ~b;
                case "==" -> a == b ? -1L : 0L;
                case "!=", "<>" -> a != b ? -1L : 0L;
                case "<" -> a < b ? -1L : 0L;
                case ">" -> a > b ? -1L : 0L;
                case "<=" -> a <= b ? -1L : 0L;
                case ">=" -> a >= b ? -1L : 0L;
                case "&&" -> (a != 0 && b != 0) ? 1L : 0L;
                case "||" -> (a != 0 || b != 0) ? 1L : 0L;
                default -> throw new IllegalStateException(op);
            };
        }
    }
}
