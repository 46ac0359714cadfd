package org.lvdcheck.spec.idl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The interfaces of the built-in drivers: each IDL declares exactly the functions its driver's
 * code implements (rpc_ptr, called by the kernel) and calls back (rpc, called by the driver),
 * which is the table the hardened dispatchers enforce.
 */
class BuiltinIdlTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "dummy-net.idl, ndo_start_xmit, consume_skb",
        "null-block.idl, queue_rq, blk_mq_end_request"})
    void declaresTheDriversFunctionAndItsCallback(String file, String driverFunction, String kernelFunction) throws Exception {
        String text = builtin(file);
        InterfaceModel m = InterfaceModel.of(IdlParser.parse(file, text));
        Map<String, CallDirection> table = new TreeMap<>();
        for (RpcEntry e : m.rpcTable()) {
            table.put(e.name(), e.direction());
        }
        assertEquals(Map.of(driverFunction, CallDirection.KERNEL_TO_DRIVER, kernelFunction, CallDirection.DRIVER_TO_KERNEL),
                table, file);
    }

    /** The text of a built-in IDL file ({@code idl/NAME} beside the built-in specs). */
    static String builtin(String file) throws java.io.IOException {
        try (InputStream in = BuiltinIdlTest.class.getResourceAsStream("/org/lvdcheck/spec/builtin/idl/" + file)) {
            assertNotNull(in, file);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
