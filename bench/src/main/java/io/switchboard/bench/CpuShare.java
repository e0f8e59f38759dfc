package io.switchboard.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU used over a window, in cores: this process's, and the server's when its pid is known
 * (Linux /proc). On a small machine the load generator and the server share the CPUs, so these
 * say how the load split between them.
 */
final class CpuShare {

    private final long serverPid;
    private final int clockTicksPerSecond;
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private long clientStart;
    private long serverStart;
    private long wallStart;
    private double serverCores = -1;
    private double clientCores = -1;

    CpuShare(long serverPid, int clockTicksPerSecond) {
        this.serverPid = serverPid;
        this.clockTicksPerSecond = clockTicksPerSecond;
    }

    void start() {
        clientStart = os.getProcessCpuTime();
        serverStart = serverTicks();
        wallStart = System.nanoTime();
    }

    void stop() {
        long clientEnd = os.getProcessCpuTime();
        long serverEnd = serverTicks();
        double seconds = (System.nanoTime() - wallStart) / 1e9;
        clientCores = (clientEnd - clientStart) / 1e9 / seconds;
        if (serverStart >= 0 && serverEnd >= 0) {
            serverCores = (serverEnd - serverStart) / (double) clockTicksPerSecond / seconds;
        }
    }

    /** Server cores, rounded to 0.01; null when the server's pid was not given. */
    Double serverCores() {
        return serverCores < 0 ? null : Math.round(serverCores * 100) / 100.0;
    }

    Double clientCores() {
        return clientCores < 0 ? null : Math.round(clientCores * 100) / 100.0;
    }

    /** utime + stime of the server process, in clock ticks; -1 when unknown. */
    private long serverTicks() {
        if (serverPid <= 0) {
            return -1;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(serverPid), "stat"));
            // The command name (field 2) may hold spaces: count fields from after its closing parenthesis.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (Exception e) {
            return -1;
        }
    }
}
