// The generated forms' validator. @rjsf/validator-ajv8 compiles schemas with `new Function`,
// which the studio's CSP (`script-src 'self'`, no 'unsafe-eval') refuses; @cfworker/json-schema
// interprets the schema instead, so the same rules run without weakening the CSP. The server
// validates every write again (422 with a pointer, shown at the field).

import { Validator } from "@cfworker/json-schema";
import type { ErrorSchema, RJSFSchema, RJSFValidationError, ValidationData, ValidatorType } from "@rjsf/utils";

const cache = new WeakMap<object, Validator>();

function validatorOf(schema: RJSFSchema): Validator {
  let validator = cache.get(schema);
  if (!validator) {
    validator = new Validator(schema as object, "2020-12", false);
    cache.set(schema, validator);
  }
  return validator;
}

const MESSAGES: Record<string, (error: { error: string }) => string> = {
  minLength: () => "Fill this in.",
  maxLength: (e) => `Too long: ${e.error.replace(/.*length \d+ /, "").replace(/^is /, "")}`.trim(),
  pattern: () => "This is not a link the site can use (start with /, #, https:// or mailto:).",
  required: () => "Fill this in.",
};

function errorsOf(schema: RJSFSchema, data: unknown): RJSFValidationError[] {
  const result = validatorOf(schema).validate(data);
  // cfworker reports every enclosing keyword too ("properties", "items", "$ref"): keep the leaves.
  return result.errors
    .filter((e) => !["properties", "items", "$ref", "allOf", "anyOf", "prefixItems"].includes(e.keyword))
    .map((e) => {
      let property = e.instanceLocation.replace(/^#/, "").split("/").filter(Boolean).join(".");
      if (e.keyword === "required") {
        const missing = /"([^"]+)"/.exec(e.error)?.[1];
        if (missing) property = property ? `${property}.${missing}` : missing;
      }
      const message = MESSAGES[e.keyword]?.(e) ?? e.error;
      return { name: e.keyword, property: property ? `.${property}` : "", message, stack: `${property}: ${message}`, schemaPath: e.keywordLocation };
    });
}

export function errorSchemaOf(errors: { property?: string; message?: string }[]): ErrorSchema {
  const root: Record<string, unknown> = {};
  for (const error of errors) {
    let at = root;
    for (const part of (error.property ?? "").split(".").filter(Boolean)) {
      at = (at[part] ??= {}) as Record<string, unknown>;
    }
    const list = ((at.__errors ??= []) as string[]);
    if (error.message && !list.includes(error.message)) list.push(error.message);
  }
  return root as ErrorSchema;
}

export const validator: ValidatorType = {
  validateFormData(formData, schema): ValidationData<unknown> {
    const errors = errorsOf(schema, formData);
    return { errors, errorSchema: errorSchemaOf(errors) };
  },
  isValid(schema, formData, rootSchema) {
    try {
      return validatorOf({ ...schema, $defs: (rootSchema as { $defs?: unknown }).$defs } as RJSFSchema).validate(formData).valid;
    } catch {
      return false;
    }
  },
  rawValidation(schema, formData) {
    try {
      return { errors: validatorOf(schema).validate(formData).errors as never[] };
    } catch (error) {
      return { validationError: error as Error };
    }
  },
};
