#!/usr/bin/env bash
# All the logic of the gwconform GitHub Action (action.yml only installs gwconform and calls this).
#
# Inputs, from the environment: INPUT_TARGET, INPUT_PROFILE, INPUT_LABEL_FILTER, INPUT_FAIL_ON,
# INPUT_REPORT_DIR, and GWCONFORM_BIN (default: gwconform on PATH). The API key is never an input: gwconform
# reads it from the job's environment ($API_KEY, or the variable the profile's api_key_env names), and this
# script never prints it.
#
# Writes verdict, exit-code and report-dir to $GITHUB_OUTPUT and exits with gwconform's exit code: 0
# conformant, 1 non-conformant, 2 could not test. gwconform itself appends summary.md to
# $GITHUB_STEP_SUMMARY; this script adds to it only when gwconform wrote no report at all.
set -euo pipefail

bin=${GWCONFORM_BIN:-gwconform}
target=${INPUT_TARGET:-}
profile=${INPUT_PROFILE:-}
label_filter=${INPUT_LABEL_FILTER:-}
fail_on=${INPUT_FAIL_ON:-must}
report_dir=${INPUT_REPORT_DIR:-gwconform-reports}

output() {
	if [ -n "${GITHUB_OUTPUT:-}" ]; then
		printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
	fi
}

# couldNotTest ends the step before gwconform runs: an annotation, the outputs, exit 2.
couldNotTest() {
	printf '::error title=gwconform::%s\n' "$1" >&2
	if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
		printf '## gwconform: could not test\n\n%s\n\n' "$1" >>"$GITHUB_STEP_SUMMARY"
	fi
	output verdict ""
	output exit-code 2
	output report-dir "$report_dir"
	exit 2
}

# With no target at all gwconform tests its own embedded reference gateway: green, and meaningless in CI.
# So a target must come from the input, $GWCONFORM_TARGET (gwconform refuses it empty), or the profile.
if [ -z "$target" ] && [ -z "${GWCONFORM_TARGET+set}" ]; then
	if [ -z "$profile" ]; then
		couldNotTest "no target: set the action's target input to the gateway's base URL (ending in /v1), or give a profile with a target:"
	fi
	if [ ! -r "$profile" ]; then
		couldNotTest "profile $profile is not a readable file (paths are relative to the workspace: check out the repository first)"
	fi
	if ! grep -Eq '^target:[[:space:]]*[^[:space:]#]' "$profile"; then
		couldNotTest "no target: the target input is empty and profile $profile has no top-level target: (an unset variable or secret?)"
	fi
fi

args=(run --report-dir "$report_dir" --fail-on "$fail_on")
# Flags only for inputs given: gwconform refuses an empty --target or --profile rather than guess.
if [ -n "$target" ]; then args+=(--target "$target"); fi
if [ -n "$profile" ]; then args+=(--profile "$profile"); fi
if [ -n "$label_filter" ]; then args+=(--label-filter "$label_filter"); fi

# A report.json left by an earlier run must not lend its verdict to a run that wrote none.
rm -f "$report_dir/report.json"

code=0
"$bin" "${args[@]}" || code=$?

# report.json is indented by two spaces, so the run's verdict is the one "verdict" key at that depth.
verdict=""
if [ -f "$report_dir/report.json" ]; then
	verdict=$(sed -n 's/^  "verdict": "\([a-z_]*\)",\{0,1\}$/\1/p' "$report_dir/report.json")
elif [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
	printf '## gwconform: could not test\n\ngwconform exited %s without writing a report: see the step log.\n\n' "$code" >>"$GITHUB_STEP_SUMMARY"
fi

output verdict "$verdict"
output exit-code "$code"
output report-dir "$report_dir"
exit "$code"
