package dev.agentharness.runtime.sandbox.local;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The seccomp program bwrap loads ({@code --seccomp FD}) for every local sandbox: a classic BPF deny list of the
 * system calls an agent's code never needs and that widen the kernel attack surface or reach past the sandbox —
 * debugging other processes, mounting, loading kernel code, keyrings, io_uring, new namespaces. A denied call fails
 * with {@code EPERM}; a call through another architecture's ABI (i386 or x32 on x86-64) kills the process, because
 * the numbers below mean something else there.
 *
 * <p>The program is a fixed sequence of {@code struct sock_filter} (u16 code, u8 jt, u8 jf, u32 k, native byte
 * order): no libseccomp binding is needed for a list this small, and the numbers are pinned per architecture
 * (x86-64 from {@code asm/unistd_64.h}, aarch64 from {@code asm-generic/unistd.h}).
 */
final class SeccompFilter {

    /** Deny-listed calls: name → (x86-64 number, aarch64 number). */
    static final Map<String, int[]> DENIED = denied();

    private static final int AUDIT_ARCH_X86_64 = 0xC000003E;
    private static final int AUDIT_ARCH_AARCH64 = 0xC00000B7;
    private static final int X32_SYSCALL_BIT = 0x40000000;

    private static final short LD_W_ABS = 0x20;
    private static final short JMP_JEQ_K = 0x15;
    private static final short JMP_JGE_K = 0x35;
    private static final short RET_K = 0x06;
    private static final int RET_KILL_PROCESS = 0x80000000;
    private static final int RET_ALLOW = 0x7FFF0000;
    private static final int RET_ERRNO_EPERM = 0x00050000 | 1;
    /** {@code struct seccomp_data}: {@code int nr} at 0, {@code __u32 arch} at 4. */
    private static final int OFFSET_NR = 0;
    private static final int OFFSET_ARCH = 4;

    private SeccompFilter() {
    }

    /** The program for the JVM's architecture, or empty where no syscall table is pinned here. */
    static Optional<byte[]> forThisMachine() {
        return switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> Optional.of(program(AUDIT_ARCH_X86_64, 0, true));
            case "aarch64" -> Optional.of(program(AUDIT_ARCH_AARCH64, 1, false));
            default -> Optional.empty();
        };
    }

    private static byte[] program(int arch, int column, boolean refuseX32) {
        int denied = DENIED.size();
        // load arch; jeq arch ? skip : kill; kill; load nr; [jge x32 → errno]; jeq nr_i → errno …; allow; errno
        int length = 4 + (refuseX32 ? 1 : 0) + denied + 2;
        ByteBuffer out = ByteBuffer.allocate(length * 8).order(ByteOrder.nativeOrder());
        int errnoAt = length - 1;
        instruction(out, LD_W_ABS, 0, 0, OFFSET_ARCH);
        instruction(out, JMP_JEQ_K, 1, 0, arch);
        instruction(out, RET_K, 0, 0, RET_KILL_PROCESS);
        instruction(out, LD_W_ABS, 0, 0, OFFSET_NR);
        int at = 4;
        if (refuseX32) {
            instruction(out, JMP_JGE_K, errnoAt - (at + 1), 0, X32_SYSCALL_BIT);
            at++;
        }
        for (int[] numbers : DENIED.values()) {
            instruction(out, JMP_JEQ_K, errnoAt - (at + 1), 0, numbers[column]);
            at++;
        }
        instruction(out, RET_K, 0, 0, RET_ALLOW);
        instruction(out, RET_K, 0, 0, RET_ERRNO_EPERM);
        return out.array();
    }

    private static void instruction(ByteBuffer out, short code, int jumpIfTrue, int jumpIfFalse, int k) {
        if (jumpIfTrue > 255 || jumpIfFalse > 255) {
            throw new IllegalStateException("seccomp jump too far: the deny list is too long for one block");
        }
        out.putShort(code).put((byte) jumpIfTrue).put((byte) jumpIfFalse).putInt(k);
    }

    private static Map<String, int[]> denied() {
        Map<String, int[]> calls = new LinkedHashMap<>();
        calls.put("ptrace", new int[] {101, 117});
        calls.put("process_vm_readv", new int[] {310, 270});
        calls.put("process_vm_writev", new int[] {311, 271});
        calls.put("mount", new int[] {165, 40});
        calls.put("umount2", new int[] {166, 39});
        calls.put("pivot_root", new int[] {155, 41});
        calls.put("open_tree", new int[] {428, 428});
        calls.put("move_mount", new int[] {429, 429});
        calls.put("fsopen", new int[] {430, 430});
        calls.put("fsconfig", new int[] {431, 431});
        calls.put("fsmount", new int[] {432, 432});
        calls.put("fspick", new int[] {433, 433});
        calls.put("mount_setattr", new int[] {442, 442});
        calls.put("unshare", new int[] {272, 97});
        calls.put("setns", new int[] {308, 268});
        calls.put("kexec_load", new int[] {246, 104});
        calls.put("kexec_file_load", new int[] {320, 294});
        calls.put("init_module", new int[] {175, 105});
        calls.put("finit_module", new int[] {313, 273});
        calls.put("delete_module", new int[] {176, 106});
        calls.put("bpf", new int[] {321, 280});
        calls.put("perf_event_open", new int[] {298, 241});
        calls.put("userfaultfd", new int[] {323, 282});
        calls.put("keyctl", new int[] {250, 219});
        calls.put("add_key", new int[] {248, 217});
        calls.put("request_key", new int[] {249, 218});
        calls.put("io_uring_setup", new int[] {425, 425});
        calls.put("io_uring_enter", new int[] {426, 426});
        calls.put("io_uring_register", new int[] {427, 427});
        calls.put("open_by_handle_at", new int[] {304, 265});
        calls.put("name_to_handle_at", new int[] {303, 264});
        calls.put("swapon", new int[] {167, 224});
        calls.put("swapoff", new int[] {168, 225});
        calls.put("reboot", new int[] {169, 142});
        calls.put("acct", new int[] {163, 89});
        return Collections.unmodifiableMap(calls);
    }
}
