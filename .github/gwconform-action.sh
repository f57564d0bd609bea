#!/usr/bin/env bash
# All the logic of the gwconform GitHub Action (action.yml only sets up Go and calls this).
#
# Inputs, from the environment: INPUT_TARGET, INPUT_PROFILE, INPUT_LABEL_FILTER, INPUT_FAIL_ON,
# INPUT_REPORT_DIR, INPUT_VERSION, and GWCONFORM_BIN: a gwconform to run; without it the script installs
# gwconform with go install, INPUT_VERSION of the module or else this script's own checkout, which it stamps
# with the version ACTION_REPOSITORY@ACTION_REF (github.action_repository and github.action_ref, which
# a composite action's run step sees only through env) unless the checkout is a git one. The API key is
# never an input: gwconform reads it from the job's environment ($API_KEY, or the variable the profile's
# api_key_env names), and this script never prints it.
#
# Writes verdict, exit-code and report-dir to $GITHUB_OUTPUT on every path, and exits with gwconform's exit
# code: 0 conformant, 1 non-conformant, 2 could not test (also when gwconform could not be installed).
# gwconform itself appends summary.md to $GITHUB_STEP_SUMMARY; this script adds to it only when gwconform
# wrote no report at all, with the reason.
set -euo pipefail

bin=${GWCONFORM_BIN:-}
target=${INPUT_TARGET:-}
profile=${INPUT_PROFILE:-}
label_filter=${INPUT_LABEL_FILTER:-}
fail_on=${INPUT_FAIL_ON:-must}
report_dir=${INPUT_REPORT_DIR:-gwconform-reports}
version_input=${INPUT_VERSION:-}
# The checkout this script is in: the action's own, the module `go install ./cmd/gwconform` builds.
action_path=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

output() {
	if [ -n "${GITHUB_OUTPUT:-}" ]; then
		printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
	fi
}

# The outputs are written once, on the way out, so that no path leaves them unset: one that did not set
# exit_code (a command of this script failed) could not test.
verdict=""
exit_code=""
scratch=$(mktemp -d)
finish() {
	rm -rf "$scratch"
	if [ -z "$exit_code" ]; then
		exit_code=2
		local why="the action's script failed before gwconform reported: see the step log"
		annotate "$why"
		summarize "could not test" "$why"
	fi
	output verdict "$verdict"
	output exit-code "$exit_code"
	output report-dir "$report_dir"
	exit "$exit_code"
}
trap finish EXIT

# annotate prints a workflow error annotation; a message's %, CR and LF would end or garble it.
annotate() {
	local m=${1//'%'/'%25'}
	m=${m//$'\r'/'%0D'}
	printf '::error title=gwconform::%s\n' "${m//$'\n'/'%0A'}" >&2
}

# summarize adds a section headed $1 to the step summary, its text $2 HTML escaped as summary.md's is.
summarize() {
	if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
		local m=${2//'&'/'&amp;'}
		m=${m//'<'/'&lt;'}
		printf '## gwconform: %s\n\n%s\n\n' "$1" "${m//'>'/'&gt;'}" >>"$GITHUB_STEP_SUMMARY"
	fi
}

# couldNotTest ends the step without a verdict: an annotation, the reason in the summary, exit 2.
couldNotTest() {
	annotate "$1"
	summarize "could not test" "$1"
	exit_code=2
	exit 2
}

# lastLine is the last line of file that matches the pattern, or nothing.
lastLine() {
	grep -E -- "$1" "$2" | tail -n 1 || true
}

# checkoutVersion is the version a build of the action's checkout reports. Go records none for it: GitHub
# unpacks an action without .git, so the ref the workflow named it by; a git checkout (uses: ./) describes
# itself. Empty when neither is known, and then gwconform says that it does not know.
checkoutVersion() {
	if [ "$(git -C "$action_path" rev-parse --show-toplevel 2>/dev/null)" = "$action_path" ]; then
		git -C "$action_path" describe --tags --always --dirty 2>/dev/null && return
	fi
	if [ -n "${ACTION_REF:-}" ]; then
		echo "${ACTION_REPOSITORY:-gwconform/gwconform}@$ACTION_REF"
	fi
}

# install builds gwconform into a directory of its own and sets bin; a failure ends the step with go's
# last line as the reason (go prints URLs with their passwords redacted). go install @version records the
# module version itself; a build of the checkout is stamped with checkoutVersion.
install() {
	local gobin="$scratch/bin" log="$scratch/install.log" pkg=./cmd/gwconform what="from the action's checkout"
	local flags=()
	if [ -n "$version_input" ]; then
		pkg="github.com/gwconform/gwconform/cmd/gwconform@$version_input"
		what=$version_input
	else
		local stamp
		stamp=$(checkoutVersion)
		if [ -n "$stamp" ]; then
			flags=(-ldflags "-X main.version=$stamp")
			what="$what ($stamp)"
		fi
	fi
	if ! command -v go >/dev/null; then
		couldNotTest "could not install gwconform $what: no go command on PATH (did actions/setup-go fail?)"
	fi
	echo "::group::Install gwconform $what"
	local status=0
	(cd "$action_path" && GOBIN="$gobin" go install "${flags[@]}" "$pkg") 2>"$log" || status=$?
	cat "$log" >&2
	echo "::endgroup::"
	if [ "$status" -ne 0 ]; then
		local reason
		reason=$(lastLine '[^[:space:]]' "$log")
		couldNotTest "could not install gwconform $what: ${reason:-go install exited $status}"
	fi
	bin="$gobin/gwconform"
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

if [ -z "$bin" ]; then
	install
fi

args=(run --report-dir "$report_dir" --fail-on "$fail_on")
# Flags only for inputs given: gwconform refuses an empty --target or --profile rather than guess.
if [ -n "$target" ]; then args+=(--target "$target"); fi
if [ -n "$profile" ]; then args+=(--profile "$profile"); fi
if [ -n "$label_filter" ]; then args+=(--label-filter "$label_filter"); fi

# A report.json left by an earlier run must not lend its verdict to a run that wrote none.
rm -f "$report_dir/report.json"

# gwconform's stderr goes to the log as it comes, and to a file for the reason should it write no report.
stderr_log="$scratch/stderr.log"
set +e
{
	"$bin" "${args[@]}" 2>&1 1>&3 3>&- | tee "$stderr_log" >&2
	code=${PIPESTATUS[0]}
} 3>&1
set -e

# report.json is indented by two spaces, so the run's verdict is the one "verdict" key at that depth.
if [ -f "$report_dir/report.json" ]; then
	verdict=$(sed -n 's/^  "verdict": "\([a-z_]*\)",\{0,1\}$/\1/p' "$report_dir/report.json")
else
	# gwconform says why on one line starting "gwconform:" and never prints a key, so its line can be relayed.
	reason=$(lastLine '^gwconform:' "$stderr_log")
	message="gwconform exited $code without writing a report: ${reason:-see the step log}"
	annotate "$message"
	heading="no report"
	if [ "$code" -eq 2 ]; then heading="could not test"; fi
	summarize "$heading" "$message"
fi

exit_code=$code
exit "$code"
