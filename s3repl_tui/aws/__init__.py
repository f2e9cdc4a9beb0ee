"""AWS access: one session per account, clients per region, every failure classified once."""

from s3repl_tui.aws.errors import classify, error_code, error_kind
from s3repl_tui.aws.session import AccountSession, Connection, ConnectOptions

__all__ = ["AccountSession", "ConnectOptions", "Connection", "classify", "error_code", "error_kind"]
