package dev.governor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The schedules against reference values computed independently in Python (plain {@code math},
 * float64) from PyTorch's {@code torch/optim/lr_scheduler.py}, relative tolerance 1e-12:
 *
 * <pre>
 * # CosineAnnealingLR._get_closed_form_lr
 * def cosine_closed(base, eta_min, T_max, t):
 *     return eta_min + (base - eta_min) * (1 + math.cos(math.pi * t / T_max)) / 2
 * # CosineAnnealingWarmRestarts stepped by step() without epoch: T_cur=0, T_i=T_0 at step 0; then
 * # each step(): T_cur += 1; if T_cur >= T_i: T_cur -= T_i; T_i *= T_mult
 * def sgdr_iter(base, eta_min, T_0, T_mult, n):
 *     out = []; T_cur, T_i = 0, T_0
 *     for t in range(n):
 *         out.append(eta_min + (base - eta_min) * (1 + math.cos(math.pi * T_cur / T_i)) / 2)
 *         T_cur += 1
 *         if T_cur >= T_i: T_cur -= T_i; T_i *= T_mult
 *     return out
 * # OneCycleLR (cos, two phases, pct_start=0.3, div_factor=25, final_div_factor=1e4)
 * def onecycle(max_lr, total, t, pct_start=0.3, div=25.0, final_div=1e4):
 *     initial = max_lr / div; min_lr = initial / final_div
 *     phases = [(float(pct_start * total) - 1, initial, max_lr), (total - 1, max_lr, min_lr)]
 *     start = 0
 *     for i, (end, s, e) in enumerate(phases):
 *         if t <= end or i == len(phases) - 1:
 *             pct = (t - start) / (end - start)
 *             return e + (s - e) / 2.0 * (math.cos(math.pi * pct) + 1)
 *         start = end
 * </pre>
 *
 * The SGDR reference walks PyTorch's iterative bookkeeping, independent of the closed cycle walk in
 * {@link Schedules#sgdr}.
 */
class SchedulesReferenceTest {
  static final double REL = 1e-12;

  static void assertRel(double expected, double actual, String what) {
    double tol = REL * Math.abs(expected);
    assertTrue(
        Math.abs(expected - actual) <= tol,
        what + ": expected " + expected + " but was " + actual + " (rel tol " + REL + ")");
  }

  static Stream<Arguments> cosineCases() {
    return Stream.of(
        Arguments.of(
            0.1,
            0.0,
            10L,
            new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20},
            new double[] {
              0.1,
              0.09755282581475769,
              0.09045084971874738,
              0.07938926261462366,
              0.06545084971874737,
              0.05,
              0.03454915028125263,
              0.02061073738537635,
              0.009549150281252633,
              0.0024471741852423235,
              0.0,
              0.0024471741852423127,
              0.009549150281252623,
              0.02061073738537634,
              0.034549150281252626,
              0.04999999999999999,
              0.06545084971874736,
              0.07938926261462365,
              0.09045084971874738,
              0.09755282581475769,
              0.1
            }),
        Arguments.of(
            0.5,
            0.001,
            100L,
            new long[] {0, 1, 2, 25, 49, 50, 51, 75, 99, 100, 101, 150, 199, 200, 250},
            new double[] {
              0.5,
              0.49987688681125003,
              0.49950766874285374,
              0.4269231419060436,
              0.25833698438999303,
              0.2505,
              0.242663015610007,
              0.07407685809395641,
              0.0011231131887499658,
              0.001,
              0.0011231131887499658,
              0.25049999999999994,
              0.49987688681125003,
              0.5,
              0.2505000000000003
            }),
        Arguments.of(
            1.0,
            0.25,
            7L,
            new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
            new double[] {
              1.0,
              0.9628633254634071,
              0.8588086756970251,
              0.7084453502336179,
              0.5415546497663821,
              0.39119132430297493,
              0.28713667453659286,
              0.25,
              0.2871366745365928,
              0.3911913243029749,
              0.541554649766382,
              0.7084453502336175,
              0.858808675697025,
              0.9628633254634074,
              1.0,
              0.9628633254634074
            }),
        Arguments.of(
            0.03,
            1e-05,
            1000L,
            new long[] {0, 1, 10, 333, 500, 999, 1000, 1001, 1500, 2000},
            new double[] {
              0.03,
              0.029999926002701866,
              0.029992600872684145,
              0.022516094847283844,
              0.015005,
              1.0073997298136094e-05,
              1e-05,
              1.0073997298136094e-05,
              0.015004999999999996,
              0.03
            }));
  }

  static Stream<Arguments> sgdrCases() {
    return Stream.of(
        Arguments.of(
            0.1,
            0.0,
            10L,
            1L,
            new double[] {
              0.1,
              0.09755282581475769,
              0.09045084971874738,
              0.07938926261462366,
              0.06545084971874737,
              0.05,
              0.03454915028125263,
              0.02061073738537635,
              0.009549150281252633,
              0.0024471741852423235,
              0.1,
              0.09755282581475769,
              0.09045084971874738,
              0.07938926261462366,
              0.06545084971874737,
              0.05,
              0.03454915028125263,
              0.02061073738537635,
              0.009549150281252633,
              0.0024471741852423235,
              0.1,
              0.09755282581475769,
              0.09045084971874738,
              0.07938926261462366,
              0.06545084971874737,
              0.05,
              0.03454915028125263,
              0.02061073738537635,
              0.009549150281252633,
              0.0024471741852423235,
              0.1,
              0.09755282581475769,
              0.09045084971874738,
              0.07938926261462366,
              0.06545084971874737
            }),
        Arguments.of(
            0.1,
            0.001,
            10L,
            2L,
            new double[] {
              0.1,
              0.09757729755661011,
              0.0905463412215599,
              0.07959536998847742,
              0.0657963412215599,
              0.0505,
              0.03520365877844011,
              0.021404630011522586,
              0.010453658778440109,
              0.0034227024433899004,
              0.1,
              0.09939057285945932,
              0.09757729755661011,
              0.09460482294732421,
              0.0905463412215599,
              0.0855017856687341,
              0.07959536998847742,
              0.07297252973710756,
              0.0657963412215599,
              0.05824350601949144,
              0.0505,
              0.04275649398050859,
              0.03520365877844011,
              0.02802747026289244,
              0.021404630011522586,
              0.0154982143312659,
              0.010453658778440109,
              0.0063951770526757944,
              0.0034227024433899004,
              0.001609427140540686,
              0.1,
              0.09984740801978985,
              0.09939057285945932,
              0.098632311059685,
              0.09757729755661011,
              0.0962320368593087,
              0.09460482294732421,
              0.09270568813552757,
              0.0905463412215599,
              0.08814009529720154,
              0.0855017856687341,
              0.0826476783923441,
              0.07959536998847742,
              0.07636367895343947,
              0.07297252973710756,
              0.06944282990207196,
              0.0657963412215599,
              0.062055545510867324,
              0.05824350601949144,
              0.05438372523852833,
              0.0505,
              0.046616274761471684,
              0.04275649398050859,
              0.03894445448913269,
              0.03520365877844011,
              0.03155717009792806,
              0.02802747026289244,
              0.024636321046560536,
              0.021404630011522586,
              0.018352321607655916,
              0.0154982143312659,
              0.01285990470279847,
              0.010453658778440109,
              0.008294311864472437,
              0.0063951770526757944,
              0.004767963140691307,
              0.0034227024433899004,
              0.0023676889403150105,
              0.001609427140540686,
              0.0011525919802101658,
              0.1,
              0.09996183729391579,
              0.09984740801978985,
              0.09965688861926886,
              0.09939057285945932
            }),
        Arguments.of(
            0.5,
            0.01,
            3L,
            3L,
            new double[] {
              0.5,
              0.3775,
              0.13250000000000006,
              0.5,
              0.48522469209254754,
              0.4426808885641496,
              0.3775,
              0.297543803528398,
              0.21245619647160208,
              0.13250000000000006,
              0.06731911143585041,
              0.024775307907452464,
              0.5,
              0.49834339764677604,
              0.49339599329205686,
              0.48522469209254754,
              0.473939996879236,
              0.45969451379616943,
              0.4426808885641496,
              0.42312920127783976,
              0.4013038549671826,
              0.3775,
              0.3520395426795934,
              0.32526679201421715,
              0.297543803528398,
              0.26924548308306656,
              0.24075451691693345,
              0.21245619647160213,
              0.1847332079857829,
              0.1579604573204066,
              0.13250000000000006,
              0.10869614503281744,
              0.08687079872216029,
              0.06731911143585033,
              0.050305486203830616,
              0.03606000312076402,
              0.024775307907452464,
              0.016604006707943167,
              0.011656602353223959,
              0.5,
              0.49981574836353637,
              0.49926327058610903,
              0.49834339764677604,
              0.49705751312181823,
              0.49540755110370926
            }),
        Arguments.of(
            1.0,
            0.0,
            1L,
            2L,
            new double[] {
              1.0,
              1.0,
              0.5,
              1.0,
              0.8535533905932737,
              0.5,
              0.14644660940672627,
              1.0,
              0.9619397662556434,
              0.8535533905932737,
              0.6913417161825449,
              0.5,
              0.30865828381745514,
              0.14644660940672627,
              0.03806023374435663,
              1.0,
              0.9903926402016152,
              0.9619397662556434,
              0.9157348061512727,
              0.8535533905932737
            }),
        Arguments.of(
            0.2,
            0.05,
            5L,
            1L,
            new double[] {
              0.2,
              0.18567627457812108,
              0.14817627457812108,
              0.10182372542187895,
              0.06432372542187895,
              0.2,
              0.18567627457812108,
              0.14817627457812108,
              0.10182372542187895,
              0.06432372542187895,
              0.2,
              0.18567627457812108
            }),
        Arguments.of(
            0.05,
            0.0,
            4L,
            5L,
            new double[] {
              0.05,
              0.04267766952966369,
              0.025,
              0.0073223304703363135,
              0.05,
              0.04969220851487845,
              0.048776412907378844,
              0.047275163104709195,
              0.04522542485937369,
              0.04267766952966369,
              0.03969463130731183,
              0.03634976249348867,
              0.032725424859373686,
              0.028910861626005774,
              0.025,
              0.021089138373994235,
              0.017274575140626316,
              0.013650237506511332,
              0.010305368692688175,
              0.0073223304703363135,
              0.004774575140626317,
              0.0027248368952908055,
              0.0012235870926211618,
              0.00030779148512155856,
              0.05,
              0.04998766400914329,
              0.04995066821070679,
              0.049889049115077,
              0.04980286753286195,
              0.04969220851487845,
              0.049557181268217225,
              0.049397919048468686,
              0.04921457902821578,
              0.04900734214192358,
              0.048776412907378844,
              0.04852201922385564,
              0.04824441214720629,
              0.04794386564209953,
              0.04762067631165049,
              0.047275163104709195,
              0.04690766700109659,
              0.046518550675098594,
              0.04610819813755038,
              0.04567701435686405,
              0.04522542485937369,
              0.04475387530939226,
              0.044262831069394735,
              0.043752776740761494,
              0.04322421568553529,
              0.04267766952966369,
              0.04211367764821722,
              0.0415327966330913,
              0.040935599743717244,
              0.040322676341324415,
              0.03969463130731184,
              0.03905208444630327,
              0.038395669874474916,
              0.03772603539375929,
              0.037043841852542884,
              0.03634976249348867,
              0.03564448228912682,
              0.034928697265869516,
              0.03420311381711696,
              0.033468448006132294,
              0.032725424859373686,
              0.03197477765098074,
              0.031217247179121367,
              0.03045358103491357,
              0.02968453286464312,
              0.028910861626005774,
              0.028133330839107615,
              0.02735270783296286,
              0.02656976298823284,
              0.02578526897695321,
              0.025,
              0.024214731023046793,
              0.023430237011767167,
              0.022647292167037144,
              0.0218666691608924,
              0.021089138373994232,
              0.020315467135356886,
              0.019546418965086444,
              0.01878275282087863,
              0.018025222349019272,
              0.017274575140626323,
              0.016531551993867716,
              0.01579688618288306,
              0.015071302734130482,
              0.014355517710873185,
              0.013650237506511332,
              0.012956158147457115,
              0.012273964606240717,
              0.01160433012552508,
              0.010947915553696733,
              0.010305368692688175,
              0.009677323658675586,
              0.009064400256282757,
              0.008467203366908708,
              0.007886322351782783,
              0.0073223304703363135,
              0.006775784314464717,
              0.0062472232592385105,
              0.005737168930605272,
              0.00524612469060774,
              0.004774575140626317,
              0.004322985643135957,
              0.003891801862449629,
              0.0034814493249014063,
              0.0030923329989034107,
              0.0027248368952908055
            }));
  }

  static Stream<Arguments> oneCycleCases() {
    return Stream.of(
        Arguments.of(
            0.1,
            100L,
            new double[] {
              0.0040000000000000036,
              0.004281378056590748,
              0.00512221332591585,
              0.006512647783225481,
              0.008436379855794068,
              0.010870855543955726,
              0.013787532846129102,
              0.017152216387689725,
              0.02092545833047227,
              0.025063020862605645,
              0.029516394846410082,
              0.03423336854368411,
              0.03915863975059739,
              0.04423446416546729,
              0.04940133238789996,
              0.05459866761210004,
              0.05976553583453271,
              0.0648413602494026,
              0.0697666314563159,
              0.07448360515358993,
              0.07893697913739435,
              0.08307454166952773,
              0.08684778361231027,
              0.0902124671538709,
              0.09312914445604428,
              0.09556362014420594,
              0.09748735221677451,
              0.09887778667408416,
              0.09971862194340926,
              0.1,
              0.09994965352845243,
              0.09979871550490317,
              0.09954748989844439,
              0.09919648264401378,
              0.09874640062350874,
              0.09819815024222053,
              0.09755283560345443,
              0.09681175628501273,
              0.09597640472201803,
              0.09504846320134738,
              0.09402980047373054,
              0.09292246799033459,
              0.09172869577141439,
              0.0904508879153485,
              0.089091617757105,
              0.08765362268588736,
              0.08613979863239682,
              0.08455319423681344,
              0.08289700470924045,
              0.0811745653949763,
              0.0793893450575732,
              0.07754493889320883,
              0.07564506129043984,
              0.07369353834991745,
              0.07169430017913009,
              0.06965137297768985,
              0.06756887092910233,
              0.0654509879153485,
              0.06330198907096464,
              0.06112620219362893,
              0.05892800902855288,
              0.05671183644422961,
              0.0544821475173099,
              0.05224343254455968,
              0.0500002,
              0.04775696745544034,
              0.04551825248269011,
              0.043288563555770404,
              0.04107239097144713,
              0.03887419780637107,
              0.03669841092903536,
              0.03454941208465151,
              0.03243152907089768,
              0.030349027022310158,
              0.028306099820869922,
              0.026306861650082565,
              0.024355338709560182,
              0.022455461106791173,
              0.02061105494242681,
              0.0188258346050237,
              0.017103395290759563,
              0.015447205763186566,
              0.013860601367603195,
              0.012346777314112658,
              0.010908782242895003,
              0.009549512084651508,
              0.008271704228585612,
              0.007077932009665416,
              0.005970599526269472,
              0.004951936798652629,
              0.004023995277981982,
              0.003188643714987268,
              0.0024475643965455826,
              0.0018022497577794773,
              0.0012539993764912555,
              0.0008039173559862364,
              0.0004529101015556186,
              0.00020168449509684564,
              5.07464715475788e-05,
              4e-07
            }),
        Arguments.of(
            1.0,
            20L,
            new double[] {
              0.040000000000000036,
              0.1316718427000253,
              0.3716718427000253,
              0.6683281572999747,
              0.9083281572999747,
              1.0,
              0.9874640062350873,
              0.9504846320134737,
              0.89091617757105,
              0.8117456539497631,
              0.7169430017913008,
              0.6112620219362893,
              0.500002,
              0.38874197806371075,
              0.28306099820869923,
              0.18825834605023697,
              0.10908782242895004,
              0.049519367986526286,
              0.012539993764912554,
              4e-06
            }));
  }

  @ParameterizedTest
  @MethodSource("cosineCases")
  void cosineMatchesPyTorch(double lr, double lrMin, long tMax, long[] steps, double[] expected) {
    Schedule s = Schedules.cosine(lr, lrMin, tMax);
    for (int i = 0; i < steps.length; i++) {
      assertRel(expected[i], s.lr(steps[i]), "cosine t=" + steps[i]);
    }
  }

  @ParameterizedTest
  @MethodSource("sgdrCases")
  void sgdrMatchesPyTorch(double lr, double lrMin, long t0, long tMult, double[] expected) {
    Schedule s = Schedules.sgdr(lr, lrMin, t0, tMult);
    for (int t = 0; t < expected.length; t++) {
      assertRel(expected[t], s.lr(t), "sgdr(t0=" + t0 + ", t-mult=" + tMult + ") t=" + t);
    }
  }

  @ParameterizedTest
  @MethodSource("oneCycleCases")
  void oneCycleMatchesPyTorch(double lr, long tMax, double[] expected) {
    Schedule s = Schedules.oneCycle(lr, tMax, 0.3, 25, 1e4);
    for (int t = 0; t < expected.length; t++) {
      assertRel(expected[t], s.lr(t), "onecycle t=" + t);
    }
    // past the end the final rate holds
    assertRel(expected[expected.length - 1], s.lr(tMax + 5), "onecycle past t-max");
  }

  @ParameterizedTest
  @MethodSource("sgdrCases")
  void sgdrPolicyDecidesTheNextStep(
      double lr, double lrMin, long t0, long tMult, double[] expected) {
    Policy p =
        Policies.create(
            PolicySpec.of("sgdr")
                .with("lr", lr)
                .with("lr-min", lrMin)
                .with("t0", t0)
                .with("t-mult", tMult));
    assertRel(expected[0], p.initial().lr(), "initial");
    Decision d = new Decision();
    for (int t = 0; t + 1 < expected.length; t++) {
      p.decide(Observation.builder(t).build(), d);
      // a zero reference is raised to MIN_NORMAL by the policy
      assertRel(Math.max(Double.MIN_NORMAL, expected[t + 1]), d.lr, "decision after step " + t);
    }
  }

  @Test
  void stepAndExponentialClosedForms() {
    // StepLR: 0.5 * 0.1^(t // 3); ExponentialLR: 0.2 * 0.9^t (hand-computed)
    Schedule st = Schedules.step(0.5, 3, 0.1);
    double[] stepRef = {0.5, 0.5, 0.5, 0.05, 0.05, 0.05, 0.005};
    for (int t = 0; t < stepRef.length; t++) {
      assertRel(stepRef[t], st.lr(t), "step t=" + t);
    }
    Schedule ex = Schedules.exponential(0.2, 0.9);
    double[] expRef = {0.2, 0.18, 0.162, 0.1458, 0.13122};
    for (int t = 0; t < expRef.length; t++) {
      assertRel(expRef[t], ex.lr(t), "exponential t=" + t);
    }
  }

  @Test
  void warmupScalesLinearlyThenPassesThrough() {
    // warmup 4 over constant 0.2: factors 1/4, 2/4, 3/4, 1, 1
    Schedule w = Schedules.warmup(4, Schedules.constant(0.2));
    double[] ref = {0.05, 0.1, 0.15, 0.2, 0.2};
    for (int t = 0; t < ref.length; t++) {
      assertRel(ref[t], w.lr(t), "warmup t=" + t);
    }
    // the warmup option on a schedule and the warmup policy agree
    Policy a = Policies.create("cosine(lr=0.3, t-max=50, warmup=10)");
    Policy b = Policies.create("warmup(schedule=cosine, lr=0.3, t-max=50, warmup=10)");
    Decision da = new Decision();
    Decision db = new Decision();
    for (int t = 0; t < 60; t++) {
      a.decide(Observation.builder(t).build(), da);
      b.decide(Observation.builder(t).build(), db);
      assertEquals(da.lr, db.lr);
      double c = 0.3 * (1 + Math.cos(Math.PI * (t + 1) / 50)) / 2;
      assertRel(
          Math.max(Double.MIN_NORMAL, c * Math.min(1, (t + 2) / 10.0)),
          da.lr,
          "warm cosine t=" + (t + 1));
    }
  }

  @Test
  void sgdrHugeStepsDoNotOverflow() {
    Schedule s = Schedules.sgdr(0.1, 0.0, 1, 1000);
    double v = s.lr(Long.MAX_VALUE);
    assertTrue(v >= 0 && v <= 0.1, "value " + v);
  }

  @Test
  void invalidArgumentsNameThemselves() {
    assertMessage(
        "cosine.t-max must be an integer >= 1, but was 0", () -> Schedules.cosine(1, 0, 0));
    assertMessage(
        "sgdr.t-mult must be an integer >= 1, but was 0", () -> Schedules.sgdr(1, 0, 5, 0));
    assertMessage("sgdr.t0 must be an integer >= 1, but was -3", () -> Schedules.sgdr(1, 0, -3, 1));
    assertMessage(
        "cosine.lr must be finite and > 0, but was NaN", () -> Schedules.cosine(Double.NaN, 0, 5));
    assertMessage(
        "cosine.lr-min must be finite and in [0, lr=0.1], but was 0.2",
        () -> Schedules.cosine(0.1, 0.2, 5));
    assertMessage("step.gamma must be in (0, 1], but was 1.5", () -> Schedules.step(1, 2, 1.5));
    assertMessage(
        "step.step-size must be an integer >= 1, but was 0", () -> Schedules.step(1, 0, 0.5));
    assertMessage(
        "exponential.gamma must be in (0, 1], but was NaN",
        () -> Schedules.exponential(1, Double.NaN));
    assertMessage(
        "onecycle.pct-start must be in (0, 1), but was 1.0",
        () -> Schedules.oneCycle(1, 100, 1.0, 25, 1e4));
    assertMessage(
        "warmup.warmup must be an integer >= 0, but was -1",
        () -> Schedules.warmup(-1, Schedules.constant(1)));
  }

  static void assertMessage(String expected, org.junit.jupiter.api.function.Executable e) {
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
    assertEquals(expected, ex.getMessage());
  }
}
