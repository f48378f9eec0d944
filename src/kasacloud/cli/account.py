"""``kasacloud login`` and ``kasacloud logout``."""

from __future__ import annotations

import sys

import click

from kasacloud.cli import output
from kasacloud.cli.errors import CliError, ExitCode
from kasacloud.cli.output import Column, Message, Record
from kasacloud.cli.runner import command
from kasacloud.cli.session import make_cloud
from kasacloud.cli.settings import Profile, Settings
from kasacloud.client import MfaChallenge


def _ask(text: str, *, hidden: bool = False, default: str | None = None) -> str:
    """Prompt on stderr (stdout carries only results); a closed stdin is a clear error.

    When stdin is not a terminal (input piped by a script), the line is read as is: there is no
    echo to hide, and getpass would only warn that it cannot hide it.
    """
    try:
        if sys.stdin.isatty():
            answer: str = click.prompt(text, hide_input=hidden, default=default, err=True)
        else:
            shown = f"{text} [{default}]: " if default else f"{text}: "
            click.echo(shown, err=True, nl=False)
            line = sys.stdin.readline()
            click.echo("", err=True)
            if not line:
                raise click.Abort
            answer = line.rstrip("\r\n") or (default or "")
            if not answer:
                raise click.Abort
    except click.Abort:
        raise CliError(
            f"No {text.lower()} given (the input ended).",
            hint="Type it at the prompt; in scripts set KASA_USERNAME and KASA_PASSWORD.",
            exit_code=ExitCode.AUTH,
        ) from None
    return answer.strip() if not hidden else answer


def _ask_code(challenge: MfaChallenge) -> str:
    where = "by e-mail" if challenge.by_email else "to the Kasa app"
    output.note(f"This account uses 2-step verification: a code was sent {where}.")
    return _ask("Verification code")


@command("login")
async def login(current: Settings) -> Record:
    """Sign in, and remember the session for later commands.

    Prompts for whatever is missing: the e-mail, the password (never echoed) and, for an account
    with 2-step verification, the code that was sent. The password is not stored: the session's
    tokens are (file mode 0600), and later commands run on them.
    """
    username = current.username or _ask("E-mail", default=current.profile.username)
    password = current.password or _ask("Password", hidden=True)
    async with make_cloud(current, mfa_callback=_ask_code) as cloud:
        tokens = await cloud.login(username, password)
        url, protocol = cloud.url, cloud.protocol
    Profile(cloud_url=url, username=tokens.username, protocol=protocol).save(current.directory)
    return Record(
        {
            "username": tokens.username,
            "cloud": url,
            "protocol": protocol,
            "account_id": tokens.account_id,
            "config_dir": str(current.directory),
        },
        [
            Column("username", "Account"),
            Column("cloud", "Cloud"),
            Column("protocol", "Protocol"),
            Column("config_dir", "Session kept in"),
        ],
        title="Signed in",
    )


@command("logout")
async def logout(current: Settings) -> Message:
    """Sign out: forget the stored session (the password was never stored)."""
    async with make_cloud(current) as cloud:
        had_session = cloud.tokens is not None
        username = cloud.username or current.effective_username()
        await cloud.logout()
        url = cloud.url
    had_profile = Profile.remove(current.directory)
    if not (had_session or had_profile):
        return Message(f"Not signed in to {url}.", {"signed_out": False, "cloud": url})
    who = f"{username} " if username else ""
    return Message(
        f"Signed {who}out of {url}.", {"signed_out": True, "cloud": url, "username": username}
    )
