/** The shape of one `bitedge` subcommand. Each lives in its own file in src/cli/ and is listed in main.ts. */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Full `--help` text: usage line, options, examples. */
  help: string;
  /** Runs with the arguments after the command name; returns the exit code. */
  run(args: string[]): Promise<number>;
}
