"""Every tool of the study's ten servers, called through `cemcp serve --expose tools`
over stdio with the official MCP Python SDK client (PyPI `mcp`), from the same tables
as the Rust test (tests/mcpbench/calls/<server>.toml): each valid call must answer with
its `expect` text (or, for `error`, fail with that text), each invalid one must be
refused as invalid arguments.

Not part of `cargo test` (it needs Python and `mcp`). Run it from the repository root,
after `cargo build -p cemcp -p mcpbench-api -p cemcp-tests`:

    python3 -m venv /tmp/mcp-venv && /tmp/mcp-venv/bin/pip install mcp
    /tmp/mcp-venv/bin/python tests/mcpbench/sdk_calls.py

It starts the offline API services on their default ports (18101-18106, those
capabilities/mcpbench.toml grants) and stops them at the end.
"""

import asyncio
import json
import pathlib
import subprocess
import sys
import time
import tomllib

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

ROOT = pathlib.Path(__file__).resolve().parents[2]
SERVERS = ["weather-data", "unit-converter", "wikipedia", "call-for-papers", "math-mcp",
           "paper-search", "car-price-evaluator", "scientific-computing", "reddit", "time-mcp"]


def mcp_name(server: str, function: str) -> str:
    """As capabilities/mcpbench.toml names them: Time MCP keeps its `time_mcp_` prefix."""
    return f"time_mcp_{function}" if server == "time-mcp" else function


def text_of(result) -> str:
    return "\n".join(block.text for block in result.content if getattr(block, "type", "") == "text")


async def main() -> int:
    params = StdioServerParameters(
        command=str(ROOT / "target/debug/cemcp"),
        args=["serve", "-m", str(ROOT / "capabilities/mcpbench.toml"), "--expose", "tools"],
    )
    failures, calls = [], 0
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            listed = {tool.name for tool in (await session.list_tools()).tools}
            print(f"tools/list: {len(listed)} tools")
            for server in SERVERS:
                table = tomllib.loads((ROOT / f"tests/mcpbench/calls/{server}.toml").read_text())
                for call in table["call"]:
                    name = mcp_name(server, call["function"])
                    calls += 1
                    if name not in listed:
                        failures.append(f"{name}: not listed")
                        continue
                    result = await session.call_tool(name, call["arguments"])
                    got = text_of(result)
                    # `is_error` from mcp 2.x, `isError` before.
                    failed = bool(getattr(result, "is_error", getattr(result, "isError", False)))
                    if call.get("invalid"):
                        if not (failed and "[cemcp: invalid arguments]" in got):
                            failures.append(f"{name} {json.dumps(call['arguments'])}: not refused: {got[:200]}")
                    elif "error" in call:
                        if not (failed and call["error"] in got):
                            failures.append(f"{name} {json.dumps(call['arguments'])}: expected error {call['error']!r}, got {got[:200]}")
                    elif failed or call["expect"] not in got:
                        failures.append(f"{name} {json.dumps(call['arguments'])}: expected {call['expect']!r}, got {got[:200]}")
    print(f"{calls} calls, {len(failures)} failures")
    for failure in failures:
        print("  " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    api = subprocess.Popen([str(ROOT / "target/debug/mcpbench-api")], stdout=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        sys.exit(asyncio.run(main()))
    finally:
        api.terminate()
