"""`porch slack ...`: helpers for setting Porch up on Slack.

Imports only typer, yaml and the manifest module, so `porch --help` and `porch slack manifest`
work without slack_sdk installed and never load it.
"""

from __future__ import annotations

from typing import Annotated

import typer
import yaml

from adapters.slack.manifest import manifest as build_manifest

app = typer.Typer(help="Slack: the app manifest and other set-up helpers.", no_args_is_help=True)


@app.command("manifest")
def manifest_command(
    url: Annotated[
        str | None,
        typer.Option(help="Porch's public base URL, e.g. https://porch.example.org (HTTP mode)."),
    ] = None,
    socket_mode: Annotated[
        bool,
        typer.Option("--socket-mode", help="Receive events over Socket Mode (no public URL)."),
    ] = False,
    name: Annotated[str, typer.Option(help="The app's name in Slack.")] = "Porch",
) -> None:
    """Print the Slack app manifest (YAML): paste it at api.slack.com/apps -> Create New App."""
    if url is not None and not url.startswith("https://"):
        typer.echo("error: --url must start with https:// (Slack calls only HTTPS URLs)", err=True)
        raise typer.Exit(2)
    try:
        data = build_manifest(url=url, socket_mode=socket_mode, name=name)
    except ValueError as exc:
        typer.echo(f"error: {exc}, or use --socket-mode", err=True)
        raise typer.Exit(2) from None
    typer.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), nl=False)
