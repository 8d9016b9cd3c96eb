import { runCli } from '../test/bmt/cli-helper.ts';
const r = await runCli(process.argv.slice(2));
console.log(r.code, r.stdout, r.stderr.slice(-1500));
