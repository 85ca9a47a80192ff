# -e KEY=VALUE, -e KEY (from our environment; dropped when we have no KEY),
# -w (created when missing, as docker does) and -u uid:gid reach the workload.
. "$TESTS_DIR/lib.sh"
FROMHOST="host value"
export FROMHOST
unset NOTSET
run sandbox run -e FOO=bar -e FROMHOST -e NOTSET -e EQ=a=b -e 'SP=two  spaces' \
	-w /tmp/new/dir -u 1000:50 "$IMAGES/debian" \
	bash -c 'echo "$FOO|$FROMHOST|${NOTSET-unset}|$EQ|$SP|$(pwd)|$(id -u):$(id -g)"'
expect_eq "exit status" "$rc" 0
expect_eq stderr "$err" ""
expect_eq stdout "$out" "bar|host value|unset|a=b|two  spaces|/tmp/new/dir|1000:50"

# A -w that is not a directory: sandbox's own failure, 125 and one line.
run sandbox run -w /etc/passwd "$IMAGES/debian" true
expect_eq "-w on a file: exit status" "$rc" 125
case $err in *"/etc/passwd"*) ;; *) fail "-w on a file: stderr [$err]" ;; esac
