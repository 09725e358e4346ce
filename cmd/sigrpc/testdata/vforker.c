/*
 * vforker vforks a child that never execs: until the child ends, the
 * parent is held inside vfork, where it can be neither stopped nor
 * killed by anything but the end of the child. A tree holding it makes
 * sigrpc's stop pass slow (the parent never halts), which the tests use
 * to signal the helper in the middle of that pass.
 */
#include <unistd.h>

int main(void) {
	if (vfork() == 0) {
		for (;;)
			pause();
	}
	for (;;)
		pause();
}
