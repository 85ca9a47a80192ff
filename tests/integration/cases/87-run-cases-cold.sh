# The run cases once more with every VM booted cold (SANDBOX_SNAPSHOT=off).
# In the suite they run with snapshots on, so after the first run of an
# image they are restored runs; here the same checks pass on cold boots
# (issue 18: every run case passes restored and cold).
. "$TESTS_DIR/lib.sh"
export SANDBOX_SNAPSHOT=off
# Not here: 26 (it checks the snapshot lines themselves), 29 (each --memory is
# its own snapshot, so it boots cold the first time anyway) and 41 (64 MiB
# streams: minutes in the test host).
for c in 20-run-echo 21-run-status-streams 22-run-missing-command 23-run-env-workdir-user \
	24-run-env-file-name 25-run-image-config 27-run-resources 28-run-newcomer-errors \
	40-run-stdin 42-run-signals 43-run-tty 44-run-timeout 45-run-parallel 46-run-stuck-output; do
	out=$(sh "$TESTS_DIR/cases/$c.sh" 2>&1)
	case $? in
	0) echo "cold: $c passed" ;;
	77) echo "cold: $c skipped: $(printf '%s\n' "$out" | tail -n 1)" ;;
	*) fail "$c with snapshots off: $(printf '%s\n' "$out" | tail -n 10)" ;;
	esac
done
