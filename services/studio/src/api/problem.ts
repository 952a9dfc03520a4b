// Every refusal of the platform is RFC 9457 problem+json (shared/errors.py); the client turns
// it into one typed error, so a screen shows `detail` and marks the fields in `errors`.

export interface FieldError {
  field?: string;
  pointer?: string;
  message?: string;
  [key: string]: unknown;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail || problem.title);
    this.name = "ApiError";
    this.status = problem.status;
    this.problem = problem;
  }

  /** The message of the first error naming `field`, for the form control that holds it. */
  fieldMessage(field: string): string | undefined {
    const found = this.problem.errors?.find((e) => e.field === field || e.pointer === `/${field}`);
    return found ? String(found.message ?? this.message) : undefined;
  }
}

/** A problem for an answer that did not carry one (a proxy's HTML page, a dropped connection). */
export function problemOf(status: number, title: string, detail?: string): Problem {
  return { type: "about:blank", title, status, ...(detail ? { detail } : {}) };
}

/** A sentence for any error a call can throw: the problem's detail, else a plain fallback. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error && error.name !== "AbortError") return "The platform could not be reached. Check your connection and try again.";
  return "Something went wrong.";
}
