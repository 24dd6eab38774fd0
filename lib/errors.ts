/** The errors main.ts turns into an exit code and one line on stderr. */

/** Exit codes of the command-line contract. */
export const ExitCode = {
  ok: 0,
  network: 1,
  usage: 2,
  resolve: 3,
  timeout: 4,
  interrupted: 130,
} as const;

/** An error a user can cause or meet, with the exit code it stands for. */
export class TcpkitError extends Error {
  override name = "TcpkitError";
  readonly exitCode: number;

  constructor(message: string, exitCode: number = ExitCode.network, options?: ErrorOptions) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

/** Raised for bad commands, flags or arguments; main.ts adds a usage hint and exits 2. */
export class UsageError extends TcpkitError {
  override name = "UsageError";
  /** The command whose help the hint points to, if any. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message, ExitCode.usage);
    this.command = command;
  }
}
