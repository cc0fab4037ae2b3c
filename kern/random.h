// Random bytes for clients: getrandom(2) and the random devices both come here.
#pragma once

#include "kern/lib/result.h"

namespace rk::kern {

class Lwp;
class Uio;

// Fills the rest of a transfer with bytes from the host's random source. May block (the host
// pool not ready yet) and gives the virtual CPU back while it does. What moved before an error
// stays moved (uio.resid() says how much).
Result<void> random_read(Lwp& l, Uio& uio);

}  // namespace rk::kern
