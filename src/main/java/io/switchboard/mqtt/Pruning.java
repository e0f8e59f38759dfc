package io.switchboard.mqtt;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Cuts a collection down to what an AI can read (seed 003's "intelligent pruning"): always the
 * first and the last message, then everything that looks like an error, then the first message
 * of each distinct topic, then evenly spaced samples of the rest, in arrival order.
 */
final class Pruning {

    private Pruning() {
    }

    static List<Received> prune(List<Received> messages, int target) {
        int n = messages.size();
        if (n <= target) {
            return messages;
        }
        Set<Integer> keep = new LinkedHashSet<>();
        keep.add(0);
        keep.add(n - 1);
        for (int i = 0; i < n && keep.size() < target; i++) {
            if (Payloads.looksLikeError(messages.get(i))) {
                keep.add(i);
            }
        }
        Set<String> topics = new HashSet<>();
        for (int i = 0; i < n && keep.size() < target; i++) {
            if (topics.add(messages.get(i).topic())) {
                keep.add(i);
            }
        }
        // Even sampling of what is left, so the picture of a busy topic stays balanced in time.
        int room = target - keep.size();
        if (room > 0) {
            List<Integer> rest = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (!keep.contains(i)) {
                    rest.add(i);
                }
            }
            double step = (double) rest.size() / room;
            for (int k = 0; k < room && k * step < rest.size(); k++) {
                keep.add(rest.get((int) Math.floor(k * step + step / 2)));
            }
        }
        List<Received> out = new ArrayList<>(target);
        for (int i : new TreeSet<>(keep)) {
            out.add(messages.get(i));
        }
        return out;
    }
}
