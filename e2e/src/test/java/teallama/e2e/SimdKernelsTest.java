package teallama.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * static/simd.js's module, run in each browser on hand-computed cases: fp32 sums that only the
 * order of Kernels.matmulInterleaved gives, int8 sums at the extremes of weights and inputs, and
 * block and group counts the kernels must neither fall short of nor pass (what follows their
 * output is left as it was).
 */
class SimdKernelsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * W (8 * blocks, n) given row-major, interleaved into linear memory as Kernels.interleaveRows
     * lays it out; returns [available, out..., the float after out] for each case.
     */
    private static final String RUN = "(cases) => {"
            + "  const memory = new WebAssembly.Memory({initial: 1});"
            + "  const kernels = simd.imports(memory);"
            + "  const f = new Float32Array(memory.buffer);"
            + "  return JSON.stringify(cases.map(({rows, x}) => {"
            + "    const n = x.length, blocks = rows.length / 8;"
            + "    const w = 16, xAt = w + 8 * blocks * n, out = xAt + n;"
            + "    f.fill(0);"
            + "    rows.forEach((row, i) => row.forEach((v, j) => {"
            + "      f[w + (i - i % 8) * n + j * 8 + i % 8] = v;"
            + "    }));"
            + "    x.forEach((v, j) => { f[xAt + j] = v; });"
            + "    f[out + 8 * blocks] = 4242;"
            + "    kernels.matmulInterleaved(4 * w, 4 * xAt, 4 * out, n, blocks);"
            + "    return [kernels.available(), ...f.slice(out, out + 8 * blocks + 1)];"
            + "  }));"
            + "}";

    /**
     * One block of 8 rows of int8 weights, given as w + 128 (0 to 255) row by row, laid out as a
     * Q8Matrix in memory (column j's 8 rows in bytes 8j to 8j + 7), and x's values as 16-bit
     * integers; returns the int32 sums (groups, 8) and the int after them.
     */
    private static final String Q8_SUMS = "({rows, x, groupSize}) => {"
            + "  const memory = new WebAssembly.Memory({initial: 1});"
            + "  const kernels = simd.imports(memory);"
            + "  const bytes = new DataView(memory.buffer);"
            + "  const n = x.length, w = 64, xAt = w + 8 * n, out = xAt + 8 * n, groups = n / groupSize;"
            + "  rows.forEach((row, r) => row.forEach((v, j) => bytes.setUint8(w + 8 * j + r, v)));"
            + "  x.forEach((v, j) => bytes.setInt16(xAt + 2 * j, v, true));"
            + "  bytes.setInt32(out + 32 * groups, 4242, true);"
            + "  kernels.q8Sums(w, xAt, out, n, groupSize, 1);"
            + "  const sums = Array.from({length: 8 * groups + 1}, (_, i) => bytes.getInt32(out + 4 * i, true));"
            + "  return JSON.stringify(sums);"
            + "}";

    @ParameterizedTest
    @ValueSource(strings = {"chromium", "firefox"})
    void multipliesInRunCsOrderOfSummation(String browserName) throws Exception {
        TestSite site = TestSite.get();
        try (Playwright playwright = Browsers.playwright()) {
            Browser browser = Browsers.launch(playwright, browserName);
            // under the workers' policy, which lets WebAssembly compile: a script of the site, opened
            Page page = browser.newPage();
            page.navigate(site.root.url() + "meeting.js");
            page.addScriptTag(new Page.AddScriptTagOptions().setUrl("simd.js"));

            // one block: row r = (r+1, r+2, r+3) . (1, 2, 3) = 6r + 14
            List<List<Double>> small = new ArrayList<>();
            for (int r = 0; r < 8; r++) {
                small.add(List.of(r + 1.0, r + 2.0, r + 3.0));
            }
            // two blocks, x = (1, 1, 1): in order of j, 1e8 + 1 rounds to 1e8 (float has 24 bits) and
            // the sum is 0; summed any other way, the 1 survives. Rows alternate between that and
            // (1, 1e8, -1e8), whose sum is 1e8 - 1e8 = 0 after 1 + 1e8 rounds, and (-1e8, 1e8, 1) = 1.
            List<List<Double>> order = new ArrayList<>();
            for (int r = 0; r < 16; r++) {
                order.add(switch (r % 3) {
                    case 0 -> List.of(1e8, 1.0, -1e8);
                    case 1 -> List.of(1.0, 1e8, -1e8);
                    default -> List.of(-1e8, 1e8, 1.0);
                });
            }
            String cases = JSON.writeValueAsString(List.of(
                    Map.of("rows", small, "x", List.of(1, 2, 3)),
                    Map.of("rows", order, "x", List.of(1, 1, 1)),
                    Map.of("rows", List.of(), "x", List.of(5, 6))));
            JsonNode results = JSON.readTree((String) page.evaluate(RUN, JSON.readValue(cases, Object.class)));

            assertEquals("[1,14,20,26,32,38,44,50,56,4242]", results.get(0).toString());
            StringBuilder expected = new StringBuilder("[1");
            for (int r = 0; r < 16; r++) {
                expected.append(r % 3 == 2 ? ",1" : ",0");
            }
            assertEquals(expected + ",4242]", results.get(1).toString());
            assertEquals("[1,4242]", results.get(2).toString(), "no blocks: nothing written");

            // int8: row 0 255 - j (255 the largest w + 128), row r (1 to 7) 10r + j, against the
            // smallest and largest x (every column differs, so a pair's two columns cannot swap unseen); groups of 4 (four columns a turn), of 2 (a pair), of 8 (two
            // turns) and of 1 (one column alone)
            List<List<Integer>> rows = new ArrayList<>();
            for (int r = 0; r < 8; r++) {
                List<Integer> row = new ArrayList<>();
                for (int j = 0; j < 8; j++) {
                    row.add(r == 0 ? 255 - j : 10 * r + j);
                }
                rows.add(row);
            }
            List<Integer> x = List.of(127, -127, 3, 5, 1, 1, 1, 1);
            // 127 u0 - 127 u1 + 3 u2 + 5 u3 = 80r - 106 (row 0: 127 + 759 + 1260), then u4 + ... + u7 =
            // 40r + 22 (row 0: 251 + 250 + 249 + 248)
            assertEquals("[2146,-26,54,134,214,294,374,454,998,62,102,142,182,222,262,302,4242]",
                    page.evaluate(Q8_SUMS, Map.of("rows", rows, "x", x, "groupSize", 4)));
            // 127 u0 - 127 u1 = -127 (row 0: 127); 3 u2 + 5 u3 = 80r + 21 (2019); u4 + u5 = 20r + 9 (501);
            // u6 + u7 = 20r + 13 (497)
            assertEquals("[127,-127,-127,-127,-127,-127,-127,-127,2019,101,181,261,341,421,501,581,"
                    + "501,29,49,69,89,109,129,149,497,33,53,73,93,113,133,153,4242]",
                    page.evaluate(Q8_SUMS, Map.of("rows", rows, "x", x, "groupSize", 2)));
            // over the 8 columns: 2146 + 998 for row 0, 10r * 12 + (-127 + 6 + 15 + 22) = 120r - 84
            assertEquals("[3144,36,156,276,396,516,636,756,4242]",
                    page.evaluate(Q8_SUMS, Map.of("rows", rows, "x", x, "groupSize", 8)));
            // each column alone: row 0 (255 - j) x[j], row r (10r + j) x[j]
            StringBuilder columns = new StringBuilder("[");
            for (int j = 0; j < 8; j++) {
                for (int r = 0; r < 8; r++) {
                    columns.append((r == 0 ? 255 - j : 10 * r + j) * x.get(j)).append(',');
                }
            }
            assertEquals(columns + "4242]", page.evaluate(Q8_SUMS, Map.of("rows", rows, "x", x, "groupSize", 1)));
            browser.close();
        }
    }
}
