# Every example in README's ```sh blocks of the "## Usage" section runs here, so
# the documentation cannot rot. Conventions for those lines: a trailing
# `# prints TEXT` checks stdout, `# exit N` the exit status; any other line must
# exit 0. Lines run in order in one shell (so a line may prepare a file for the
# next), from a directory where build/images is the test images.
. "$TESTS_DIR/lib.sh"
readme=${README:-$TESTS_DIR/../../README.md}
[ -f "$readme" ] || fail "README not found at $readme (tests/run passes it to the test host)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/build"
ln -s "$(cd "$IMAGES" && pwd)" "$tmp/build/images"

# README -> a script of checks.
awk '
	/^## / { usage = ($0 == "## Usage") }
	usage && /^```sh$/ { inblock = 1; next }
	inblock && /^```$/ { inblock = 0; next }
	!inblock || /^[ \t]*$/ { next }
	{
		line = $0; want = ""; mode = "ok"
		if (match(line, /[ \t]+# prints /)) {
			want = substr(line, RSTART + RLENGTH); line = substr(line, 1, RSTART - 1); mode = "prints"
		} else if (match(line, /[ \t]+# exit [0-9]+$/)) {
			want = substr(line, RSTART + RLENGTH - 3); sub(/^[^0-9]*/, "", want)
			line = substr(line, 1, RSTART - 1); mode = "exit"
		} else if (match(line, /[ \t]+# .*$/)) {
			line = substr(line, 1, RSTART - 1)
		}
		n++
		q = line; gsub(/\047/, "\047\\\047\047", q)
		printf "echo \047README: %s\047\n", q
		if (mode == "prints")
			printf "got=$(%s ); expect_eq \047README example %d\047 \"$got\" \047%s\047\n", line, n, want
		else if (mode == "exit")
			printf "%s; expect_eq \047README example %d: exit status\047 \"$?\" %s\n", line, n, want
		else
			printf "%s || fail \047README example %d failed\047\n", line, n
	}
	END { printf "examples=%d\n", n }
' "$readme" >"$tmp/checks.sh"
grep -q '^examples=[1-9]' "$tmp/checks.sh" || fail "no examples found in README's Usage section"
cd "$tmp" && . ./checks.sh </dev/null
echo "$examples README examples ran"
