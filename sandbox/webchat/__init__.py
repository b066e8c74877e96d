"""The web chat of `trt demo`: a Bot API emulator with people on the other side (emulator.py) and the
page they use, served by aiohttp (server.py, static/)."""
