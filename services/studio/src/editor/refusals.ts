// The server's words for a refused tree (a 422 with the JSON pointer of the first bad field),
// said in the form's own terms where they are known: one wording for the page editor, the
// header and footer, and the canvas.

import { ApiError } from "../api/problem";

export function refusalMessage(problem: string, pointer = ""): string {
  const most = /length <= (\d+)/.exec(problem);
  if (most) return `At most ${most[1]} characters: shorten it to save.`;
  const least = /length >= (\d+)/.exec(problem);
  if (least) {
    if (pointer.includes("product")) return "Choose a product of the shop to save.";
    return least[1] === "1" ? "Fill this in to save." : `At least ${least[1]} characters.`;
  }
  if (problem.includes("Expected `uuid`, got `null`")) return pointer.includes("product") ? "Choose a product of the shop to save." : "Choose an image to save.";
  if (problem.includes("youtube")) return "Paste the video's YouTube or Vimeo address to save.";
  if (problem.includes("matching regex")) {
    return problem.includes("mailto") ? "Not a link the site can use: start it with /, #, https:// or mailto:." : "Not in the form this field takes.";
  }
  return problem.charAt(0).toUpperCase() + problem.slice(1);
}

/** The first refusal of a 422 (its words and where), or null for any other failure. */
export function firstRefusal(error: unknown): { message: string; pointer: string } | null {
  if (!(error instanceof ApiError) || error.status !== 422) return null;
  const first = error.problem.errors?.[0];
  const pointer = typeof first?.pointer === "string" ? first.pointer : "";
  return { message: refusalMessage(String(first?.problem ?? first?.message ?? error.message), pointer), pointer };
}
