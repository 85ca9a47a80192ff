/* sandbox's release version (the guest ABI and pack format have their own numbers). */
#ifndef SB_VERSION_H
#define SB_VERSION_H

#define SANDBOX_VERSION "0.1.0"

#endif
