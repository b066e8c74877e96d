"""`trt demo`: the whole bot in a browser, with no environment (see runtime/demo/run.py)."""
