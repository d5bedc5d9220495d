# stack_cpu.sh: CPU time of the processes of the stack that lib.sh started
# (every descendant of `recall up`), by kind. Sourced by pipeline.sh,
# scaling.sh and soak.sh after tests/integration/lib.sh.
#
#   stack_pids                   the stack's pids, one per line
#   cpu_snapshot NAME            user+sys ticks per kind into $T_TMP/cpu.NAME
#   cpu_report A B MESSAGES      per kind: CPU seconds between the snapshots
#                                and microseconds per message; and the
#                                machine's busy share (/proc/stat) over them
# stack_pids: the pid of every process of the stack (descendants of
# `recall up`), one per line
stack_pids() {
        ps -e -o pid=,ppid= | awk -v root="$T_UP_PID" '
                {parent[$1] = $2}
                END {
                        for (p in parent) {
                                q = p
                                while (q in parent && q != root && q > 1) q = parent[q]
                                if (q == root) print p
                        }
                }'
}

cpu_snapshot() {
        local pids
        pids=$(stack_pids)
        {
                for p in $pids; do
                        # comm may hold spaces: fields after the last ')'
                        sed 's/.*) //' "/proc/$p/stat" 2>/dev/null |
                                awk -v c="$(cat "/proc/$p/comm" 2>/dev/null)" '{print c, $12 + $13}'
                done
                awk '/^cpu / {print "=busy", $2 + $3 + $4 + $7 + $8; print "=total", $2 + $3 + $4 + $5 + $6 + $7 + $8}' /proc/stat
                echo "=wall $(date +%s.%N)"
        } | awk '{t[$1] += $2} END {for (k in t) printf "%s %.3f\n", k, t[k]}' >"$T_TMP/cpu.$1"
}

cpu_report() {
        awk -v n="$3" -v hz="$(getconf CLK_TCK)" '
                FNR == NR {a[$1] = $2; next}
                {b[$1] = $2}
                END {
                        line = "  CPU per message:"
                        for (k in b) {
                                if (k ~ /^=/) continue
                                d = (b[k] - a[k]) / hz
                                if (d <= 0) continue
                                line = line sprintf(" %s %.0f us (%.2f s);", k, d / n * 1e6, d)
                                sum += d
                        }
                        print line sprintf(" stack total %.0f us", sum / n * 1e6)
                        printf "  machine busy %.0f %% of %d cores over %.1f s\n",
                                (b["=busy"] - a["=busy"]) / (b["=total"] - a["=total"]) * 100,
                                '"$(nproc)"', b["=wall"] - a["=wall"]
                }' "$T_TMP/cpu.$1" "$T_TMP/cpu.$2"
}
