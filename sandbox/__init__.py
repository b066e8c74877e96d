"""The emulated outside world: a Bot API emulator (``sandbox.telegram``) and a faithful Kie AI
(``sandbox.kie``) speaking the real wire formats on 127.0.0.1.

The test suite and ``trt demo`` share them: one emulator, not two. Independent of the code they stand
in for (nothing from runtime/, integrations/ or persistence/), so they can catch its mistakes.
"""
