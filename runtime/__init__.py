"""TRT runtime: config, logging, web app, inbox workers and the CLI that composes them."""

__version__ = "0.1.0"
