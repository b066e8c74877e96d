"""The `trt` command: `trt run` serves the bot; `trt check-config` validates the environment."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

from runtime.config import (
    ConfigError,
    environment_with_dotenv,
    load_settings,
    log_config_checks,
)
from runtime.logs import add_secrets, install_excepthooks, setup_logging
from runtime.secrets import raw_secret_values

log = logging.getLogger("trt")


def _settings_or_exit():
    environ = environment_with_dotenv(os.environ)
    add_secrets(raw_secret_values(environ))
    try:
        settings, checks = load_settings(environ)
    except ConfigError as exc:
        # This message never contains a value (and the raw secrets are registered anyway).
        log.error("%s", exc)
        sys.exit(2)
    setup_logging(settings.log_level, settings.log_format, settings.secret_values())
    log_config_checks(log, checks)
    return settings


def _run(_: argparse.Namespace) -> int:
    from flows.catalog import CatalogError
    from runtime.app import serve  # imported late: aiogram takes seconds to import

    settings = _settings_or_exit()
    try:
        asyncio.run(serve(settings))
    except CatalogError as exc:
        log.error("the model catalog is broken, not starting: %s", exc)
        return 2
    except Exception:
        # Through the redacting handler: a startup crash (database, Telegram) may quote a DSN or a URL.
        log.exception("the bot stopped on an error")
        return 1
    return 0


def _check_config(_: argparse.Namespace) -> int:
    _settings_or_exit()
    log.info("configuration is valid")
    return 0


def _flows_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from flows.catalog import load_catalog, load_policy
    from flows.export import export

    setup_logging()
    out = Path(args.out)
    files = export(load_catalog(), load_policy())
    # Diagrams of models that were removed or disabled go away too.
    for old in out.glob("models/*.md"):
        if str(old.relative_to(out)) not in files:
            old.unlink()
    for relative, content in files.items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    log.info("wrote %d flow diagrams into %s", len(files), out)
    return 0


def main(argv: list[str] | None = None) -> int:
    # The redacting handler goes in before anything else runs: even a crash while reading the settings
    # or starting the app is written through it, never by Python's raw traceback printer.
    setup_logging()
    install_excepthooks()
    parser = argparse.ArgumentParser(prog="trt", description="TRT: Kie AI models in Telegram")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="serve the bot (BOT_MODE webhook or polling)").set_defaults(func=_run)
    commands.add_parser("check-config", help="validate the environment and exit").set_defaults(
        func=_check_config
    )
    flows = commands.add_parser("flows", help="wizard statecharts").add_subparsers(
        dest="flows_command", required=True
    )
    export_parser = flows.add_parser("export", help="write mermaid diagrams of every wizard into docs/flows/")
    export_parser.add_argument("--out", default="docs/flows")
    export_parser.set_defaults(func=_flows_export)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
