"""Generation jobs as flows see them: the one Job type, its states, the key of its hold
(model.py), and its lifecycle chart (lifecycle.py) that runtime/jobs follows."""
