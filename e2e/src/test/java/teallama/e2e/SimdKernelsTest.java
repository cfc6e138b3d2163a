package teallama.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * static/simd.js's module, run in each browser on hand-computed cases: fp32 sums that only the
 * order of Kernels.matmulInterleaved gives, int8 sums at the extremes of weights and inputs, scaled
 * by group in the order of the scalar loop, and
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
     * Blocks of 8 rows of int8 weights, given as w + 128 (0 to 255) row by row, laid out as a
     * Q8Matrix in memory (column j of block b in bytes 8(bn + j) to 8(bn + j) + 7, the scales
     * (blocks, groups, 8), given by row and group), x's values as 16-bit integers and each group's
     * scale and start; returns the rows and the float after them.
     */
    private static final String Q8_MATMUL = "({rows, x, groupSize, scales, xScales, starts}) => {"
            + "  const memory = new WebAssembly.Memory({initial: 1});"
            + "  const kernels = simd.imports(memory);"
            + "  const bytes = new DataView(memory.buffer);"
            + "  const n = x.length, groups = n / groupSize, blocks = rows.length / 8;"
            + "  const w = 64, xAt = w + 8 * n * blocks, groupsAt = xAt + 8 * n, scalesAt = groupsAt + 8 * groups,"
            + "    out = scalesAt + 32 * groups * blocks;"
            + "  rows.forEach((row, i) => row.forEach((v, j) => bytes.setUint8(w + 8 * (((i >> 3) * n) + j) + (i & 7), v)));"
            + "  x.forEach((v, j) => bytes.setInt16(xAt + 2 * j, v, true));"
            + "  for (let g = 0; g < groups; g++) {"
            + "    bytes.setFloat32(groupsAt + 8 * g, xScales[g], true);"
            + "    bytes.setInt32(groupsAt + 8 * g + 4, starts[g], true);"
            + "    scales[g].forEach((v, i) => bytes.setFloat32(scalesAt + 32 * ((i >> 3) * groups + g) + 4 * (i & 7), v, true));"
            + "  }"
            + "  bytes.setFloat32(out + 32 * blocks, 4242, true);"
            + "  kernels.q8Matmul(w, xAt, groupsAt, scalesAt, out, n, groupSize, blocks);"
            + "  return JSON.stringify(Array.from({length: 8 * blocks + 1}, (_, i) => bytes.getFloat32(out + 4 * i, true)));"
            + "}";

    /** The arguments of Q8_MATMUL for one block: each group's scale the same for all 8 rows. */
    private static Map<String, Object> q8Case(List<List<Integer>> rows, List<Integer> x, int groupSize,
                                              List<Double> groupScales, List<Double> xScales, List<Integer> starts) {
        List<List<Double>> scales = new ArrayList<>();
        for (double scale : groupScales) {
            scales.add(List.of(scale, scale, scale, scale, scale, scale, scale, scale));
        }
        return Map.of("rows", rows, "x", x, "groupSize", groupSize, "scales", scales, "xScales", xScales,
                "starts", starts);
    }

    @ParameterizedTest
    @ValueSource(strings = {"chromium", "firefox"})
    void multipliesInRunCsOrderOfSummation(String browserName) throws Exception {
        TestSite site = TestSite.get();
        try (BrowserContext context = Browsers.shared(browserName).newContext()) {
            // under the workers' policy, which lets WebAssembly compile: a script of the site, opened
            Page page = context.newPage();
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
            // smallest and largest x (every column differs, so a pair's two columns cannot swap
            // unseen); groups of 4 (four columns a turn), of 2 (a pair), of 8 (two turns) and of 1
            // (one column alone). Sums per group, u being w + 128: columns 0-3 (x 127, -127, 3, 5):
            // row 0 127 + 759 + 1260 = 2146, row r 80r - 106; columns 4-7 (x 1): row 0 998, row r 40r + 22
            List<List<Integer>> rows = new ArrayList<>();
            for (int r = 0; r < 8; r++) {
                List<Integer> row = new ArrayList<>();
                for (int j = 0; j < 8; j++) {
                    row.add(r == 0 ? 255 - j : 10 * r + j);
                }
                rows.add(row);
            }
            List<Integer> x = List.of(127, -127, 3, 5, 1, 1, 1, 1);
            // group 1's weights scaled by 2: row 0 2146 + 2 * 998, row r 80r - 106 + 2 (40r + 22)
            assertEquals("[4142,98,258,418,578,738,898,1058,4242]", page.evaluate(Q8_MATMUL,
                    q8Case(rows, x, 4, List.of(1.0, 2.0), List.of(1.0, 1.0), List.of(0, 0))));
            // pairs: u0 x0 + u1 x1 = -127 (row 0 127), 80r + 21 (2019), 20r + 9 (501), 20r + 13 (497);
            // the first group starting at -127: row 0 3144 - 127, row r 120r - 84 - 127
            assertEquals("[3017,-91,29,149,269,389,509,629,4242]", page.evaluate(Q8_MATMUL,
                    q8Case(rows, x, 2, List.of(1.0, 1.0, 1.0, 1.0), List.of(1.0, 1.0, 1.0, 1.0), List.of(-127, 0, 0, 0))));
            // one group of 8, scaled by 0.5 and x's 0.25: row 0 3144 / 8, row r (120r - 84) / 8
            assertEquals("[393,4.5,19.5,34.5,49.5,64.5,79.5,94.5,4242]", page.evaluate(Q8_MATMUL,
                    q8Case(rows, x, 8, List.of(0.5), List.of(0.25), List.of(0))));
            // each column alone, column j scaled by 2^j: row 0 sum of 2^j (255 - j) x[j], row r of 2^j (10r + j) x[j]
            List<Double> powers = new ArrayList<>();
            StringBuilder columns = new StringBuilder("[");
            for (int r = 0; r < 8; r++) {
                long sum = 0;
                for (int j = 0; j < 8; j++) {
                    sum += (1L << j) * (r == 0 ? 255 - j : 10 * r + j) * x.get(j);
                }
                columns.append(sum).append(',');
            }
            for (int j = 0; j < 8; j++) {
                powers.add((double) (1 << j));
            }
            assertEquals(columns + "4242]", page.evaluate(Q8_MATMUL,
                    q8Case(rows, x, 1, powers, List.of(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0), List.of(0, 0, 0, 0, 0, 0, 0, 0))));

            // the floats in order of the groups: three groups of one column, each w x = 129 - 128 = 1,
            // scaled by the row's 1e8, 1, -1e8 in turn: 1e8 + 1 rounds to 1e8 and the sum is 0; summed
            // any other way, the 1 survives. As for fp32, rows alternate between that, (1, 1e8, -1e8)
            // (0) and (-1e8, 1e8, 1) (1).
            List<List<Integer>> ones = new ArrayList<>();
            for (int r = 0; r < 8; r++) {
                ones.add(List.of(129, 129, 129));
            }
            List<List<Double>> orderScales = new ArrayList<>();
            for (int g = 0; g < 3; g++) {
                List<Double> groupScales = new ArrayList<>();
                for (int r = 0; r < 8; r++) {
                    groupScales.add(List.of(List.of(1e8, 1.0, -1e8), List.of(1.0, 1e8, -1e8), List.of(-1e8, 1e8, 1.0))
                            .get(r % 3).get(g));
                }
                orderScales.add(groupScales);
            }
            assertEquals("[0,0,1,0,0,1,0,0,4242]", page.evaluate(Q8_MATMUL, Map.of("rows", ones, "x", List.of(1, 1, 1),
                    "groupSize", 1, "scales", orderScales, "xScales", List.of(1.0, 1.0, 1.0), "starts", List.of(-128, -128, -128))));
            // and each product in the loop's order, the sum times the row's scale, then x's: (3 * 0.7f) * 7
            // rounds to 14.699999, (3 * 7) * 0.7f to 14.7 and 3 * (0.7f * 7) to 14.700001
            float inOrder = (3.0f * 0.7f) * 7.0f;
            assertNotEquals((3.0f * 7.0f) * 0.7f, inOrder);
            assertNotEquals(3.0f * (0.7f * 7.0f), inOrder);
            JsonNode products = JSON.readTree((String) page.evaluate(Q8_MATMUL,
                    q8Case(List.of(List.of(131), List.of(131), List.of(131), List.of(131), List.of(131), List.of(131),
                            List.of(131), List.of(131)), List.of(1), 1, List.of((double) 0.7f), List.of(7.0), List.of(-128))));
            for (int r = 0; r < 8; r++) {
                assertEquals(inOrder, products.get(r).floatValue(), "row " + r);
            }

            // two blocks of 14 columns in groups of 7 (a turn of four, a pair and one column in each),
            // block b's group g scaled by 2^(g + 2b): the columns, x, its groups and the scales must
            // carry on from one loop to the next and from one block to the next
            List<Integer> x14 = List.of(127, -127, 5, -3, 0, 100, -100, 1, 2, -64, 64, 90, -90, 7);
            List<List<Integer>> rows16 = new ArrayList<>();
            List<List<Double>> scales16 = List.of(new ArrayList<>(), new ArrayList<>());
            StringBuilder sixteen = new StringBuilder("[");
            for (int i = 0; i < 16; i++) {
                List<Integer> row = new ArrayList<>();
                long sum = 0;
                for (int j = 0; j < 14; j++) {
                    int u = (37 * i + 11 * j) % 256;
                    row.add(u);
                    sum += (1L << (j / 7 + 2 * (i / 8))) * u * x14.get(j);
                }
                rows16.add(row);
                scales16.get(0).add((double) (1 << 2 * (i / 8)));
                scales16.get(1).add((double) (2 << 2 * (i / 8)));
                sixteen.append(sum).append(',');
            }
            assertEquals(sixteen + "4242]", page.evaluate(Q8_MATMUL, Map.of("rows", rows16, "x", x14, "groupSize", 7,
                    "scales", scales16, "xScales", List.of(1.0, 1.0), "starts", List.of(0, 0))));
        }
    }
}
