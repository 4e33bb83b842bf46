import { describe, expect, it } from "vitest";
import { toCsv } from "../../workers/csv";

describe("CSV export", () => {
  it("quotes what needs quoting and neutralises formulas", () => {
    const csv = toCsv(["name", "note", "amount"], [
      { name: 'Ada "the" Buyer', note: "a,b", amount: 1500 },
      { name: "=HYPERLINK(\"http://evil\")", note: "line\nbreak", amount: -3 },
      { name: "@cmd", note: null, amount: 0 },
    ]);
    expect(csv).toBe(
      'name,note,amount\r\n"Ada ""the"" Buyer","a,b",1500\r\n"\'=HYPERLINK(""http://evil"")","line\nbreak",-3\r\n\'@cmd,,0\r\n',
    );
  });
});
