#!/bin/sh
# A stand-in for Claude Code, written for busybox sh, installed as /usr/local/bin/claude in the
# test image (scripts/test-image/build.sh). It mimics only what Claude Bottle relies on:
#
#   - `claude --version` prints `0.0.0-fake (Claude Code)`.
#   - it prints a banner, its arguments and its terminal size (`terminal: ROWS COLS`), and refuses to run (exit 2) without
#     --dangerously-skip-permissions.
#   - conversations are JSON lines in $CLAUDE_CONFIG_DIR/projects/<cwd, / replaced by ->/<id>.jsonl
#     ($HOME/.claude without CLAUDE_CONFIG_DIR); the file appears with the first message.
#   - `--continue` (`-c`) resumes the most recent conversation of the working directory and
#     appends to it; with none it prints `No conversation found to continue` and exits 1.
#   - the prompt is `> `; each line gets `Claude: you said: <line>`. Commands:
#       exit [N]      exit with status N (0)
#       secret NAME   says whether the variable NAME is set and its length, never its value
#       flood         prints numbered lines until Ctrl-C, then returns to the prompt
#       print N       prints exactly N bytes of coloured text lines (PRINT_LINE below, cut at N),
#                     then a reset, a newline and `printed N bytes` (the throughput bench's end marker)
#       whoami        prints `id`
#       fetch URL     fetches URL with busybox wget (through $http_proxy when it is set), prints
#                     the first line of the answer or `fetch failed`
#       pwd           prints the working directory
#       notify TEXT   fires the Notification hook with TEXT as its message (Claude does so when idle)
#       request CAPABILITY REASON...
#                     runs `bottle-request CAPABILITY "REASON..."` as Claude's Bash tool would, shows
#                     its output and `request exit N`
#   - hooks: the commands in $CLAUDE_CONFIG_DIR/settings.json's "hooks" run with Claude's JSON on
#     standard input, at SessionStart, UserPromptSubmit (each line), Stop (after each reply),
#     Notification (`notify`) and SessionEnd (every command for every event: the tests use only
#     the app's own hook, which reads the event's name from the JSON).
#     Ctrl-C at the prompt ends the program (status 130, killed by SIGINT); EOF exits 0.

set -u

for arg in "$@"; do
  if [ "$arg" = "--version" ] || [ "$arg" = "-v" ]; then
    echo "0.0.0-fake (Claude Code)"
    exit 0
  fi
done

echo "✻ Welcome to Claude Code (fake)"
echo "args: $*"
# The size it starts at, as the real Claude draws its first screen at it (rows, then columns).
echo "terminal: $(stty size 2>/dev/null || echo unknown)"

skip_permissions=0
resume=0
for arg in "$@"; do
  case "$arg" in
    --dangerously-skip-permissions) skip_permissions=1 ;;
    --continue | -c) resume=1 ;;
  esac
done

if [ "$skip_permissions" -ne 1 ]; then
  echo "fake claude: refusing to start without --dangerously-skip-permissions" >&2
  exit 2
fi

config_dir="${CLAUDE_CONFIG_DIR:-${HOME:-/tmp}/.claude}"
cwd="$(pwd)"
project_dir="$config_dir/projects/$(printf '%s' "$cwd" | tr '/' '-')"

json_escape() {
  printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/	/\\t/g'
}

# The most recently modified conversation of this working directory, or nothing. `stat %y`
# carries nanoseconds, so two sessions written within the same second still sort correctly.
latest_session() {
  [ -d "$project_dir" ] || return 0
  for f in "$project_dir"/*.jsonl; do
    [ -f "$f" ] && stat -c '%y %n' "$f"
  done | sort -r | head -n 1 | sed -e 's/^[^ ]* [^ ]* [^ ]* //'
}

# Every hook command of settings.json, one per line (enough JSON reading for the app's own hooks).
hook_commands() {
  [ -f "$config_dir/settings.json" ] || return 0
  grep -o '"command": *"[^"]*"' "$config_dir/settings.json" | sed -e 's/^"command": *"//' -e 's/"$//' | sort -u
}
run_hooks() { # run_hooks <event> [extra JSON members]
  hook_commands | while IFS= read -r command; do
    printf '{"session_id":"fake","transcript_path":"","cwd":"%s","hook_event_name":"%s"%s}' "$(json_escape "$cwd")" "$1" "${2:-}" | sh -c "$command" >/dev/null 2>&1
  done
}
trap 'run_hooks SessionEnd' EXIT

session_file=""
if [ "$resume" -eq 1 ]; then
  session_file="$(latest_session)"
  if [ -z "$session_file" ]; then
    echo "No conversation found to continue"
    exit 1
  fi
  count="$(grep -c '^{"type":' "$session_file")"
  echo "Resuming conversation ($count messages)"
  sed -n -e 's/^{"type":"user","message":"\(.*\)"}$/\1/p' "$session_file" |
    sed -e 's/\\t/	/g' -e 's/\\"/"/g' -e 's/\\\\/\\/g' |
    while IFS= read -r previous; do
      echo "previous: $previous"
    done
fi

record() { # record <type> <text>
  if [ -z "$session_file" ]; then
    mkdir -p "$project_dir"
    session_file="$project_dir/$(cat /proc/sys/kernel/random/uuid).jsonl"
  fi
  printf '{"type":"%s","message":"%s"}\n' "$1" "$(json_escape "$2")" >>"$session_file"
}

reply() {
  echo "$1"
  record assistant "$1"
}

flood() {
  stop=0
  # A trapped SIGINT lets the loop finish its current line and end; the default disposition is
  # restored afterwards so Ctrl-C at the prompt ends the program.
  trap 'stop=1' INT
  i=0
  while [ "$stop" -eq 0 ]; do
    i=$((i + 1))
    echo "flood $i the quick brown fox jumps over the lazy dog" 2>/dev/null
  done
  trap - INT
  echo
  echo "flood interrupted after $i lines"
}

# One line of `print`: coloured as Claude's output is, so the parser sees escape sequences too.
PRINT_LINE="$(printf '\033[1;32m+\033[0m const answer = compute(42); \033[2m// the quick brown fox jumps over the lazy dog\033[0m')"

run_hooks SessionStart
while :; do
  printf '> '
  IFS= read -r line || { echo; exit 0; }
  case "$line" in
    "") continue ;;
    exit) exit 0 ;;
    "exit "*)
      code="${line#exit }"
      case "$code" in
        *[!0-9]* | "") echo "usage: exit [N]" ;;
        *) exit "$code" ;;
      esac
      continue
      ;;
  esac
  record user "$line"
  run_hooks UserPromptSubmit
  case "$line" in
    "secret "*)
      name="${line#secret }"
      case "$name" in
        "" | [0-9]* | *[!A-Za-z0-9_]*) reply "secret: not a variable name: $name" ;;
        *)
          if eval "[ -n \"\${$name+set}\" ]"; then
            eval "value=\"\${$name}\""
            # shellcheck disable=SC2154 # set by the eval above
            reply "$name is set (${#value} chars)"
            value=""
          else
            reply "$name is not set"
          fi
          ;;
      esac
      ;;
    flood) flood ;;
    "print "*)
      count="${line#print }"
      case "$count" in
        *[!0-9]* | "") reply "usage: print N" ;;
        *)
          yes "$PRINT_LINE" | head -c "$count"
          # The cut can fall inside an escape sequence: ESC ends it before the marker line.
          printf '\033[0m\n'
          echo "printed $count bytes"
          ;;
      esac
      ;;
    whoami) reply "$(id)" ;;
    "fetch "*)
      if answer="$(timeout 10 wget -qO- "${line#fetch }" 2>&1)"; then
        reply "fetched: $(printf '%s\n' "$answer" | head -n 1)"
      else
        reply "fetch failed: $(printf '%s\n' "$answer" | head -n 1)"
      fi
      ;;
    pwd) reply "$cwd" ;;
    "notify "*)
      run_hooks Notification ",\"notification_type\":\"idle_prompt\",\"message\":\"$(json_escape "${line#notify }")\""
      reply "notified"
      ;;
    "request "*)
      rest="${line#request }"
      capability="${rest%% *}"
      reason="${rest#"$capability"}"
      reason="${reason# }"
      bottle-request "$capability" "$reason" 2>&1
      reply "request exit $?"
      ;;
    *) reply "Claude: you said: $line" ;;
  esac
  run_hooks Stop
done
