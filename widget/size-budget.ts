// What a visitor may download, gzipped (Plausible-style budget): the build prints each file
// against it, widget/test/size.test.ts fails beyond it.
export const BUDGET_GZIP = {
  /** The script: everything, CSS and English included. */
  script: 25 * 1024,
  /** Each other language's file, fetched only by pages in that language. */
  translation: 4 * 1024,
};
