# The machine the suite runs on has a usable /dev/kvm (in the test host: kvm-amd on emulated SVM).
. "$TESTS_DIR/lib.sh"
[ -c /dev/kvm ] || fail "/dev/kvm missing"
uname -r
