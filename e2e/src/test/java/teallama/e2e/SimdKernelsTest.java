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
 * static/simd.js's module, run in each browser on hand-computed cases: sums that only the order of
 * Kernels.matmulInterleaved gives, and block counts the kernel must neither fall short of nor
 * pass (what follows its output is left as it was).
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
            browser.close();
        }
    }
}
