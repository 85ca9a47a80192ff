# The run cases once more with every VM booted cold (SANDBOX_SNAPSHOT=off).
# In the suite they run with snapshots on, so after the first run of an
# image they are restored runs; here the same checks pass on cold boots
# (issue 18: every run case passes restored and cold).
. "$TESTS_DIR/lib.sh"
export SANDBOX_SNAPSHOT=off
for c in 20-run-echo 21-run-status-streams 22-run-missing-command 23-run-env-workdir-user \
	25-run-image-config 40-run-stdin 42-run-signals 43-run-tty; do
	out=$(sh "$TESTS_DIR/cases/$c.sh" 2>&1)
	case $? in
	0) echo "cold: $c passed" ;;
	77) echo "cold: $c skipped: $(printf '%s\n' "$out" | tail -n 1)" ;;
	*) fail "$c with snapshots off: $(printf '%s\n' "$out" | tail -n 10)" ;;
	esac
done
