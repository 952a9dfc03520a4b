// An address under /studio/ that no screen answers.

import { ScreenTitle } from "../ui";

export function NotFound() {
  return (
    <>
      <ScreenTitle title="Not found" lead="There is no screen at this address.">Not found</ScreenTitle>
    </>
  );
}
