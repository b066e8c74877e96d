"""The `trt` command: `trt run` serves the bot; `trt check-config` validates the environment;
`trt flows export` writes the wizard diagrams; `trt catalog check` / `trt catalog diff` compare the
catalog with Kie's documentation and with a new capture of Kie's models; `trt demo` runs the whole bot locally in a browser."""

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


def _demo(args: argparse.Namespace) -> int:
    from pathlib import Path

    from runtime.demo.database import DemoError
    from runtime.demo.run import DemoOptions, run_demo

    # The demo's own values are no secrets; real ones from the environment (DATABASE_URL) are masked.
    setup_logging(args.log_level, "text", _environment_secrets())
    options = DemoOptions(
        port=args.port, data_dir=Path(args.data_dir), fresh=args.fresh, delay_scale=args.delay_scale
    )
    from flows.catalog import CatalogError

    try:
        asyncio.run(run_demo(options))
    except DemoError as exc:
        log.error("%s", exc)
        return 2
    except CatalogError as exc:
        log.error("the model catalog is broken, not starting: %s", exc)
        return 2
    return 0


def _environment_secrets() -> tuple[str, ...]:
    from urllib.parse import unquote, urlsplit

    try:
        password = urlsplit(os.environ.get("DATABASE_URL", "")).password
    except ValueError:
        return ()
    return (password, unquote(password)) if password else ()


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


def _catalog_check(args: argparse.Namespace) -> int:
    from flows.catalog import CatalogError, load_catalog
    from flows.catalog.kie_sources import load_constraints
    from flows.catalog.lint import lint, report

    setup_logging()
    try:
        catalog = load_catalog()
    except CatalogError as exc:
        log.error("the model catalog is broken: %s", exc)
        return 2
    gaps = lint(catalog, load_constraints(args.constraints))
    if gaps:
        sys.stdout.write(report(gaps) + "\n")
        log.error(
            "%d gap(s) in %d model(s) against Kie's documented limits",
            len(gaps),
            len({g.model for g in gaps}),
        )
        return 1
    log.info("catalog check: %d enabled models hold every documented limit", len(catalog.enabled()))
    return 0


def _catalog_diff(args: argparse.Namespace) -> int:
    from flows.catalog import load_catalog
    from flows.catalog.capture_diff import diff_capture, report
    from flows.catalog.kie_sources import load_extra_models, load_models, read_json

    setup_logging()
    try:
        capture = read_json(args.capture)
    except (OSError, ValueError) as exc:
        log.error("cannot read the capture %s: %s", args.capture, exc)
        return 2
    if not isinstance(capture, list) or not all(isinstance(m, dict) and "id" in m for m in capture):
        log.error("%s is not a models.json-shaped capture (a list of models with ids)", args.capture)
        return 2
    shipped = {**load_models(), **load_extra_models()}
    sys.stdout.write(report(diff_capture(capture, shipped, load_catalog()), len(capture)) + "\n")
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
    demo = commands.add_parser(
        "demo", help="the whole bot in a browser: local Telegram, simulated Kie, embedded PostgreSQL"
    )
    demo.add_argument("--port", type=int, default=8080, help="web chat port (default 8080)")
    demo.add_argument("--fresh", action="store_true", help="wipe the demo data (./.trt-demo) first")
    demo.add_argument("--data-dir", default=".trt-demo", help="where the embedded database lives")
    demo.add_argument(
        "--delay-scale", type=float, default=1.0, help="multiply simulated generation times (0 = instant)"
    )
    demo.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    demo.set_defaults(func=_demo)
    flows = commands.add_parser("flows", help="wizard statecharts").add_subparsers(
        dest="flows_command", required=True
    )
    export_parser = flows.add_parser("export", help="write mermaid diagrams of every wizard into docs/flows/")
    export_parser.add_argument("--out", default="docs/flows")
    export_parser.set_defaults(func=_flows_export)
    catalog = commands.add_parser("catalog", help="the model catalog against Kie").add_subparsers(
        dest="catalog_command", required=True
    )
    check_parser = catalog.add_parser(
        "check", help="list every model whose catalog entry is looser than Kie's documented limits"
    )
    check_parser.add_argument(
        "--constraints", default=None, help="constraints.json (default: the vendored one)"
    )
    check_parser.set_defaults(func=_catalog_check)
    diff_parser = catalog.add_parser(
        "diff", help="added, removed and changed models, fields and prices of a new capture"
    )
    diff_parser.add_argument("capture", help="a new models.json-shaped capture of Kie's models")
    diff_parser.set_defaults(func=_catalog_diff)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
