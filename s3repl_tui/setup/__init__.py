"""First-time replication setup (``s3repl-tui init``): answers -> what is read -> ONE plan.

The plan is a ``fixes.Plan`` and goes through the same safe-apply path as ``fix`` (re-read, refuse if
changed, back up, write, read back, audit, ``s3repl-tui undo``); ``fixes`` knows the extra document
kinds setup writes (a new role, a new KMS key, bucket default encryption, ownership controls).

    discovery = Discovery(connection)                       # reads only
    answers = wizard.ask(prompter, discovery, Answers(...))  # or Answers from flags
    state = wizard.gather(discovery, answers)               # every document the plan merges into
    plan = plan_setup(state, answers.complete())            # pure
    apply_plan(plan, connection)                             # fixes

No Textual here; the questions use questionary (prompt_toolkit), before any TUI opens.
"""

from s3repl_tui.setup.answers import NEW_KEY, Answers, SetupAnswers, default_role_name
from s3repl_tui.setup.discover import Discovery
from s3repl_tui.setup.plan import REPLICA_KEY, SOURCE_KEY, SetupState, plan_setup
from s3repl_tui.setup.prompts import Option, Prompter, QuestionaryPrompter

__all__ = [
    "NEW_KEY",
    "REPLICA_KEY",
    "SOURCE_KEY",
    "Answers",
    "Discovery",
    "Option",
    "Prompter",
    "QuestionaryPrompter",
    "SetupAnswers",
    "SetupState",
    "default_role_name",
    "plan_setup",
]
