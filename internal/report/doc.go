// Package report turns a run's Ginkgo report into reports a person and a CI can act on: an outcome per
// requirement of the contract, a verdict and its exit code, and three renderings of them (report.json,
// report.html, summary.md).
//
// Each spec is charged to exactly the requirements its SpecInfo names, so a requirement fails only on
// evidence of its own. The verdict follows the specs' levels: a failed must spec makes the target
// non-conformant; a failed should spec is a warning unless FailOn is "should"; a spec that panicked, timed
// out, was interrupted or aborted is the harness's fault, and then no verdict can be trusted. Known failures
// (--known-failing) fail nothing, and a listed spec that passes makes the list stale, which fails the run.
package report
