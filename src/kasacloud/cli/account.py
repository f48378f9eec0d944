"""``kasacloud login`` and ``kasacloud logout``."""

from __future__ import annotations

import sys

import anyio
import click

from kasacloud.cli import output
from kasacloud.cli.errors import CliError, ExitCode
from kasacloud.cli.output import Column, Message, Record
from kasacloud.cli.runner import command, sync_command
from kasacloud.cli.session import PendingVerification, code_sent, make_cloud
from kasacloud.cli.settings import Profile, Protocol, Settings
from kasacloud.client import AuthenticationError, MfaChallenge, Tokens, VerificationRequired

CODE_REFUSED_HINT = (
    "Check the code (codes expire after a few minutes); 'kasacloud login' has a new one sent."
)


def _ask(text: str, *, hidden: bool = False, default: str | None = None) -> str:
    """Prompt on stderr (stdout carries only results); a closed stdin is a clear error.

    When stdin is not a terminal (input piped by a script), the line is read as is: there is no
    echo to hide, and getpass would only warn that it cannot hide it.
    """
    try:
        if sys.stdin.isatty():
            try:
                answer: str = click.prompt(text, hide_input=hidden, default=default, err=True)
            except click.Abort:  # Ctrl-C (or Ctrl-D) at a terminal: the person stopped
                raise CliError("Stopped.", exit_code=ExitCode.INTERRUPTED) from None
        else:
            shown = f"{text} [{default}]: " if default else f"{text}: "
            click.echo(shown, err=True, nl=False)
            line = sys.stdin.readline()
            click.echo("", err=True)
            answer = line.rstrip("\r\n") or (default or "")  # an ended input takes the default
            if not answer:
                raise click.Abort
    except click.Abort:
        raise CliError(
            f"No {text.lower()} given (the input ended).",
            hint="Type it at the prompt; in scripts set KASA_USERNAME and KASA_PASSWORD.",
            exit_code=ExitCode.AUTH,
        ) from None
    return answer.strip() if not hidden else answer


def _ask_code(challenge: MfaChallenge) -> str | None:
    """The verification code from the person, or ``None`` when the input ended (a script)."""
    where = "by e-mail" if challenge.by_email else "to the Kasa app"
    output.note(f"This account uses 2-step verification: a code was sent {where}.")
    try:
        return _ask("Verification code")
    except CliError as exc:
        if exc.exit_code == ExitCode.INTERRUPTED:
            raise
        return None


def _code_refused(exc: AuthenticationError) -> CliError:
    return CliError(str(exc), hint=CODE_REFUSED_HINT, exit_code=ExitCode.AUTH, cloud_code=exc.code)


SignedIn = tuple[Tokens, str, Protocol]
"""What a login gives the profile: the tokens, the cloud's URL, the protocol."""


async def _first_step(
    current: Settings, username: str, password: str
) -> SignedIn | tuple[MfaChallenge, str]:
    """Log in; or, with 2-step verification, the challenge (and the cloud's URL) for the code."""
    async with make_cloud(current) as cloud:
        try:
            tokens = await cloud.login(username, password)
        except VerificationRequired as exc:
            return exc.challenge, cloud.url
        return tokens, cloud.url, cloud.protocol


async def _second_step(current: Settings, challenge: MfaChallenge, code: str) -> SignedIn:
    """Send the verification code of ``challenge``."""
    async with make_cloud(current) as cloud:
        try:
            tokens = await cloud.verify_login(challenge, code.strip())
        except AuthenticationError as exc:
            raise _code_refused(exc) from None
        return tokens, cloud.url, cloud.protocol


def _pending_challenge(
    current: Settings, pending: PendingVerification | None, username: str, password: str
) -> MfaChallenge:
    """``login --code``: the challenge an earlier login left open, for this cloud and account."""
    if current.cloud_url is None and pending is not None:
        current.cloud_url = pending.cloud_url  # where the first step was asked
    url = current.effective_cloud_url()
    if pending is None or pending.username != username or pending.cloud_url != url:
        where = f" at {url}" if url else ""
        raise CliError(
            f"No 2-step verification is waiting for {username}{where}.",
            hint="Run 'kasacloud login' without --code first: it has the code sent.",
            exit_code=ExitCode.AUTH,
        )
    return pending.challenge(password)


@sync_command("login")
@click.option(
    "--code",
    metavar="CODE",
    help="Finish a 2-step verification that an earlier 'login' left open (for scripts: that "
    "login sends the code and exits 3 when nobody can type it).",
)
def login(current: Settings, code: str | None) -> Record:
    """Sign in, and remember the session for later commands.

    Prompts for whatever is missing: the e-mail, the password (never echoed) and, for an account
    with 2-step verification, the code that was sent. The password is not stored: the session's
    tokens are (file mode 0600), and later commands run on them.

    In a script, with 2-step verification: 'kasacloud login' has the code sent and exits 3; then
    'kasacloud login --code CODE' (with KASA_PASSWORD set again) finishes.
    """
    # The prompts run outside the event loop, so that Ctrl-C at a prompt stops at once.
    pending = PendingVerification.load(current.directory) if code else None
    default_user = (pending.username if pending else None) or current.profile.username
    username = current.username or _ask("E-mail", default=default_user)
    password = current.password or _ask("Password", hidden=True)
    if code is not None:
        challenge = _pending_challenge(current, pending, username, password)
        tokens, url, protocol = anyio.run(_second_step, current, challenge, code)
    else:
        first = anyio.run(_first_step, current, username, password)
        if len(first) == 3:
            tokens, url, protocol = first
        else:
            challenge, url = first
            typed = _ask_code(challenge)
            if typed is None:
                raise code_sent(current, url, challenge)
            tokens, url, protocol = anyio.run(_second_step, current, challenge, typed)
    PendingVerification.remove(current.directory)
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
    PendingVerification.remove(current.directory)
    if not (had_session or had_profile):
        return Message(f"Not signed in to {url}.", {"signed_out": False, "cloud": url})
    who = f"{username} " if username else ""
    return Message(
        f"Signed {who}out of {url}.", {"signed_out": True, "cloud": url, "username": username}
    )
