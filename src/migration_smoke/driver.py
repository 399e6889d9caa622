"""The stairway driver of `ready migration-smoke`: one Python process that runs Alembic commands
through Alembic's own command line class (the same parsing, the same Config), so the project's
Alembic starts once instead of once per step.

Protocol: one JSON request per line on stdin, one JSON answer per line on the original stdout.
  {"argv": ["upgrade", "ab12"]}  ->  {"ok": true, "ms": 12.5, "stdout": "...", "stderr": "..."}
  {"ping": true}                 ->  {"ok": true, "tables": ["..."]}
A failure answers "ok": false with "error" (the exception's last line), "traceback" and
"frames" ([file, line] of each frame, innermost last). Anything the migrations print is kept in
"stdout"/"stderr" of that answer; nothing else reaches the protocol stream.

argv[1] is the config file (or ""), the URL comes in DATABASE_URL and is set as sqlalchemy.url.
"""

import io
import json
import os
import sys
import time
import traceback
from contextlib import redirect_stderr, redirect_stdout


def main():
    # The protocol gets its own copy of stdout; whatever else writes to fd 1 lands in stderr.
    proto = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    config_file = sys.argv[1] if len(sys.argv) > 1 else ""
    url = os.environ["DATABASE_URL"]

    from alembic.config import CommandLine, Config
    from alembic.script import ScriptDirectory

    cli = CommandLine(prog="alembic")

    # Every command builds a ScriptDirectory, which imports every migration file again: on 200
    # revisions that is most of a step's time. The files do not change during a run, so the
    # first one is kept (per configuration file and section) for every later command.
    scripts = {}
    from_config = ScriptDirectory.from_config.__func__

    def cached_from_config(cls, config):
        key = (config.config_file_name, config.config_ini_section)
        if key not in scripts:
            scripts[key] = from_config(cls, config)
        return scripts[key]

    ScriptDirectory.from_config = classmethod(cached_from_config)

    def run(argv):
        prefix = ["-c", config_file] if config_file else []
        options = cli.parser.parse_args(prefix + ["--raiseerr"] + argv)
        inis = getattr(cli, "_inis_from_config", None)
        if inis is not None:
            toml, ini = inis(options)
            cfg = Config(file_=ini, toml_file=toml, ini_section=options.name, cmd_opts=options)
        else:
            cfg = Config(file_=options.config, ini_section=options.name, cmd_opts=options)
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        cli.run_cmd(cfg, options)

    def ping():
        import sqlalchemy

        # libpq's own timeout, so that a host that drops packets answers too.
        psycopg = url.split("://")[0] in ("postgresql", "postgresql+psycopg", "postgresql+psycopg2")
        connect_args = {"connect_timeout": 5} if psycopg else {}
        engine = sqlalchemy.create_engine(
            url, poolclass=sqlalchemy.pool.NullPool, connect_args=connect_args
        )
        try:
            with engine.connect() as connection:
                return sqlalchemy.inspect(connection).get_table_names()
        finally:
            engine.dispose()

    for line in sys.stdin:
        request = json.loads(line)
        out, err = io.StringIO(), io.StringIO()
        answer = {}
        start = time.perf_counter()
        try:
            with redirect_stdout(out), redirect_stderr(err):
                if request.get("ping"):
                    answer["tables"] = ping()
                else:
                    run(request["argv"])
            answer["ok"] = True
        except BaseException as e:  # noqa: BLE001 - every failure is an answer, even SystemExit
            answer["ok"] = False
            answer["error"] = "".join(traceback.format_exception_only(type(e), e)).strip()
            answer["traceback"] = "".join(traceback.format_exception(type(e), e, e.__traceback__))
            answer["frames"] = [
                [os.path.abspath(f.filename), f.lineno] for f in traceback.extract_tb(e.__traceback__)
            ]
        answer["ms"] = (time.perf_counter() - start) * 1000.0
        answer["stdout"] = out.getvalue()
        answer["stderr"] = err.getvalue()
        proto.write(json.dumps(answer) + "\n")
        proto.flush()


if __name__ == "__main__":
    main()
