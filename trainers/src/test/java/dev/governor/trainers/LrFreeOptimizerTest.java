package dev.governor.trainers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Hyperparameters;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The learning-rate-free optimizers' first five iterates against independent NumPy implementations
 * of their reference algorithms ({@code src/test/python/lr_free_reference.py}, float64; the network
 * here is DOUBLE so the tolerances are float64 round-off).
 *
 * <p>The problem: a two-layer linear network, dense 3→3 (identity) then output 3→2 (identity, MSE
 * as DL4J defines it: Σ_j (ŷ_j − y_j)² / nOut per example, averaged over the batch), one fixed
 * batch of 4 examples (X, Y below), initial weights W0, b0, W1, b1 below; five full-batch steps.
 * Per step the script computes the gradient in closed form (d = 2(ŷ − Y)/(4·2), gW1 = hᵀd, dh =
 * dW1ᵀ, gW0 = Xᵀdh, biases the column sums), clips it by its global norm (‖g₀‖ = 0.6937 &gt; c =
 * 0.5), then transcribes the reference optimizer over the whole parameter vector:
 *
 * <pre>
 * sf-adamw:  v = b2 v + (1−b2) g²;  u = g/(√(v/(1−b2^(k+1))) + eps) + wd·y
 *            lr_max = max(lr·sched, lr_max); w = (k+1)^r lr_max²; W += w; c = w/W
 *            y = y + c(z − y) + lr·sched·m·(b1(1−c) − 1)u;  z = z − lr·sched·m·u
 *            x = y + (1 − 1/b1)(z − y)
 * prodigy:   dlr = d·lr·bc;  N = b3 N + (d/d0)·dlr·(g·(p0 − p));  m1 = b1 m1 + d(1−b1)g
 *            v = b2 v + d²(1−b2)g²;  s = b3 s + (d/d0)·dlr·g;  d̂ = N/Σ|s|
 *            d_max = max(d_max, d̂); d = min(d_max, d·growth);  p −= m·(wd·dlr·p + dlr·m1/(√v + d·eps))
 * dog:       g += wd·p;  t=0: r̄ = reps_rel(1+‖p0‖), G = ‖g‖² + eps;  else r̄ = max(r̄, ‖p − p0‖), G += ‖g‖²
 *            η = lr·r̄/√G;  p −= m·η·g
 * </pre>
 *
 * where m is the per-layer multiplier of the parameter's layer. Expected arrays are the flat
 * parameter vector in the order [W0 rows, b0, W1 rows, b1]; scalars are the optimizer's state after
 * the fifth step (sf-adamw: k, lr_max, weight sum; prodigy: k, d, d_max, numerator; dog: k, r̄, G,
 * η).
 */
class LrFreeOptimizerTest {
  static final double NO = Hyperparameters.NO_CLIP;
  static final double CLIP = 0.5;

  static final double[][] X = {
    {0.5, -1.0, 2.0}, {1.5, 0.25, -0.5}, {-1.0, 0.75, 1.0}, {0.2, -0.3, -1.2}
  };
  static final double[][] Y = {{1.0, -0.5}, {0.0, 2.0}, {-1.5, 0.5}, {0.7, -0.2}};
  static final double[][] W0 = {{0.3, -0.2, 0.1}, {0.05, 0.4, -0.3}, {-0.25, 0.15, 0.2}};
  static final double[] B0 = {0.01, -0.02, 0.03};
  static final double[][] W1 = {{0.2, -0.1}, {-0.3, 0.25}, {0.15, 0.05}};
  static final double[] B1 = {0.0, 0.1};

  static final double[] SF_Y = {
    0.5037795722760999,
    -0.0704822773277469,
    0.23669329090128352,
    -0.11244697792351513,
    0.5648654037097747,
    -0.4852064636769673,
    -0.20127920155759252,
    0.0037857548554165767,
    0.17770273952777274,
    -0.07355953716064134,
    0.12867279963619954,
    0.005952106524998991,
    0.38083638927100305,
    0.05771800303378806,
    -0.45909935720701933,
    0.31416883069305307,
    0.31853422490745537,
    -0.08619272649767937,
    0.010823360452158584,
    0.25090087936408334
  };

  static final double[] SF_SCALARS = {5.0, 0.05, 0.012500000000000002};

  static final double[] SF_X = {
    0.4897559723843579,
    -0.08181092809015716,
    0.22988550816512962,
    -0.10246260020099103,
    0.5543233283584816,
    -0.4728451429877722,
    -0.1963612123484339,
    0.012924680247763417,
    0.17158827573276955,
    -0.07503161415565844,
    0.12001777101430693,
    0.013852714544883578,
    0.3689615724146774,
    0.04776310277820272,
    -0.44946656909334587,
    0.3010315061515075,
    0.30786525302565826,
    -0.07793201866193383,
    0.00864937155425752,
    0.24217736750467783
  };

  static final double[] SFW_Y = {
    0.4119037891351714,
    -0.2066437217012646,
    0.13416281598197888,
    -0.02568467833318762,
    0.47760985504307946,
    -0.4007166538110577,
    -0.2432739141621238,
    0.09134884143918884,
    0.26177592538368655,
    -0.009571744157701331,
    0.037759107185608994,
    -0.01135464265608438,
    0.4906079853655833,
    0.18603828893757504,
    -0.5847663096803323,
    0.17896740639617573,
    0.4477826382776307,
    -0.2494747931843601,
    -0.06450897209863897,
    0.35442435542196254
  };

  static final double[] SFW_SCALARS = {5.0, 0.05, 0.03250000000000001};

  static final double[] SFW_X = {
    0.40809646262027494,
    -0.20599883421880222,
    0.13482845862360066,
    -0.023366901887428515,
    0.4750817538177932,
    -0.3971240597830252,
    -0.24136244560675812,
    0.092904847100355,
    0.25777040885828395,
    -0.010217319798478116,
    0.03614733873271443,
    -0.008092952591455906,
    0.4821216357067301,
    0.1771714239081062,
    -0.576308555001875,
    0.17570886819909265,
    0.4387225457468602,
    -0.23935785986970395,
    -0.05895390074029208,
    0.34774710467213954
  };

  static final double[] PR = {
    0.3000971278321677,
    -0.1999017239811249,
    0.10009761614831808,
    0.049902058251491944,
    0.4000969597418473,
    -0.3000971715741161,
    -0.24990161680181913,
    0.1499018365672929,
    0.19990172591602023,
    0.009902144395071928,
    -0.019902122460079875,
    0.030097775007615204,
    0.20009739153777648,
    -0.09990194706892329,
    -0.30009717841681344,
    0.24990160918704873,
    0.150097504543291,
    0.04990205390198805,
    9.788467234589524e-05,
    0.10009761611620241
  };

  static final double[] PR_SCALARS = {
    5.0, 3.4373867569053386e-05, 3.4373867569053386e-05, 1.198219179044587e-08
  };

  static final double[] PRV = {
    0.298756232482864,
    -0.19875163861916004,
    0.1012492727269764,
    0.04874997007717321,
    0.40124999381680515,
    -0.3012523343670754,
    -0.24875093876992954,
    0.1487506400626718,
    0.19875147819311165,
    0.00875083399269204,
    -0.018750371173408376,
    0.031244829777282573,
    0.2049978513163844,
    -0.09500141511909334,
    -0.3049991752733075,
    0.24500438281438974,
    0.154999462197914,
    0.0450015667513546,
    0.004741812770256885,
    0.1049985819877265
  };

  static final double[] PRV_SCALARS = {
    5.0, 0.0011825150099221487, 0.0011825150099221487, 1.4970643870625256e-06
  };

  static final double[] DOG = {
    0.30000014503652017,
    -0.19999922990807067,
    0.10000134329322483,
    0.04999789661960657,
    0.40000367890893684,
    -0.30000092278127033,
    -0.24999922326883467,
    0.14999810140419798,
    0.19999966571481534,
    0.00999945420328852,
    -0.019998615001868357,
    0.030000298500742244,
    0.20000125101759517,
    -0.09999488488939316,
    -0.3000042613881041,
    0.24999890655815885,
    0.15000298201796572,
    0.049998119105292546,
    1.0240299936775708e-07,
    0.10000566288645467
  };

  static final double[] DOG_SCALARS = {
    5.0, 7.551877489739803e-06, 1.25000001, 6.754604542905051e-06
  };

  static final double[] DOGV = {
    0.3031877893260028,
    -0.19602108897340545,
    0.10829037504959865,
    0.03641712675755181,
    0.42534256502396817,
    -0.3070074123900121,
    -0.24594357255830437,
    0.13681750632332043,
    0.19759364342002642,
    0.0082046403004857,
    -0.011621871424354018,
    0.03087303586008847,
    0.23013470141219936,
    0.03899869409077024,
    -0.4114881921624876,
    0.22182375412747316,
    0.22895608412935525,
    -0.004188760514036372,
    -0.00038557785263284693,
    0.2346659968589362
  };

  static final double[] DOGV_SCALARS = {
    5.0, 0.15819605657841432, 2.0883648858211, 0.08757546446087859
  };

  static MultiLayerNetwork linear(IUpdater updater) {
    MultiLayerNetwork n =
        new MultiLayerNetwork(
            new NeuralNetConfiguration.Builder()
                .seed(1)
                .dataType(DataType.DOUBLE)
                .updater(updater)
                .list()
                .layer(
                    new DenseLayer.Builder().nIn(3).nOut(3).activation(Activation.IDENTITY).build())
                .layer(
                    new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                        .nIn(3)
                        .nOut(2)
                        .activation(Activation.IDENTITY)
                        .build())
                .build());
    n.init();
    n.getLayer(0).setParam("W", Nd4j.createFromArray(W0));
    n.getLayer(0).setParam("b", Nd4j.createFromArray(new double[][] {B0}));
    n.getLayer(1).setParam("W", Nd4j.createFromArray(W1));
    n.getLayer(1).setParam("b", Nd4j.createFromArray(new double[][] {B1}));
    return n;
  }

  static DataSet batch() {
    return new DataSet(Nd4j.createFromArray(X), Nd4j.createFromArray(Y));
  }

  /** The parameters in the script's order: [W0 rows, b0, W1 rows, b1]. */
  static double[] flat(MultiLayerNetwork n) {
    double[] out = new double[20];
    int k = 0;
    for (int l = 0; l < 2; l++) {
      for (double[] row : n.getLayer(l).getParam("W").toDoubleMatrix()) {
        for (double v : row) {
          out[k++] = v;
        }
      }
      for (double v : n.getLayer(l).getParam("b").toDoubleVector()) {
        out[k++] = v;
      }
    }
    return out;
  }

  /** Five steps of {@code optimizer} with {@code h}; returns the governed step. */
  static GovernedStep run(MultiLayerNetwork n, String optimizer, Hyperparameters h) {
    GovernedStep g =
        new GovernedStep(Net.of(n), true, 100, 2, true, Dl4jOptimizer.parse(optimizer));
    DataSet b = batch();
    for (int t = 0; t < 5; t++) {
      g.step(t, 0, b, h, null);
    }
    return g;
  }

  static void assertClose(double[] expected, double[] actual, double rel, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      double tol = rel * Math.max(1e-300, Math.abs(expected[i]));
      assertEquals(expected[i], actual[i], tol, what + "[" + i + "]");
    }
  }

  /** Absolute tolerance 1e-13 on parameters of size ~0.3 whose changes are >= ~1e-7. */
  static final double ATOL = 1e-13;

  @Test
  void scheduleFreeAdamWMatchesTheReferenceAtYAndX() {
    MultiLayerNetwork n = linear(new Sgd(1.0));
    GovernedStep g = run(n, "sf-adamw", Hyperparameters.of(0.05, CLIP, 0.01));
    assertArrayEquals(SF_Y, flat(n), ATOL);
    assertClose(SF_SCALARS, g.method().scalars(), 1e-12, "k, lr_max, weight sum");
    INDArray y = n.params().dup();
    g.evalPoint().evalMode();
    assertArrayEquals(SF_X, flat(n), ATOL);
    g.evalPoint().trainMode();
    assertEquals(y, n.params()); // back to y bit for bit
  }

  @Test
  void scheduleFreeWarmupPolynomialWeightsAndLayerMultipliers() {
    MultiLayerNetwork n = linear(new Sgd(1.0));
    GovernedStep g =
        run(
            n,
            "sf-adamw(warmup=3, r=1)",
            Hyperparameters.of(0.05, NO, 0).withLayerLrMultipliers(0.5, 2.0));
    assertArrayEquals(SFW_Y, flat(n), ATOL);
    assertClose(SFW_SCALARS, g.method().scalars(), 1e-12, "k, lr_max, weight sum");
    g.evalPoint().evalMode();
    assertArrayEquals(SFW_X, flat(n), ATOL);
  }

  @Test
  void prodigyMatchesTheReference() {
    MultiLayerNetwork n = linear(new Sgd(1.0));
    GovernedStep g = run(n, "prodigy", Hyperparameters.of(1.0, CLIP, 0.1));
    assertArrayEquals(PR, flat(n), ATOL);
    assertClose(PR_SCALARS, g.method().scalars(), 1e-10, "k, d, d_max, numerator");
  }

  @Test
  void prodigyBiasCorrectionCoupledDecayAndLayerMultipliers() {
    MultiLayerNetwork n = linear(new Sgd(1.0));
    GovernedStep g =
        run(
            n,
            "prodigy(d0=1e-3, bias-correction=true, decouple=false)",
            Hyperparameters.of(0.5, NO, 0.1).withLayerLrMultipliers(0.5, 2.0));
    assertArrayEquals(PRV, flat(n), ATOL);
    assertClose(PRV_SCALARS, g.method().scalars(), 1e-10, "k, d, d_max, numerator");
  }

  @Test
  void dogMatchesTheReference() {
    MultiLayerNetwork n = linear(new Sgd(1.0));
    GovernedStep g = run(n, "dog", Hyperparameters.of(1.0, CLIP, 0));
    assertArrayEquals(DOG, flat(n), ATOL);
    // G = 5 · 0.5² + eps: every step's gradient was clipped to norm 0.5 before DoG saw it
    assertClose(DOG_SCALARS, g.method().scalars(), 1e-10, "k, rbar, G, eta");
  }

  @Test
  void dogWeightDecayAndLayerMultipliers() {
    MultiLayerNetwork n = linear(new Sgd(1.0));
    GovernedStep g =
        run(
            n,
            "dog(reps-rel=1e-2)",
            Hyperparameters.of(0.8, NO, 0.05).withLayerLrMultipliers(0.5, 2.0));
    assertArrayEquals(DOGV, flat(n), ATOL);
    assertClose(DOGV_SCALARS, g.method().scalars(), 1e-10, "k, rbar, G, eta");
  }

  @Test
  void aNetworkNotConfiguredWithUnitSgdIsRefusedNamingTheLayer() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new GovernedStep(
                    Net.of(linear(new Adam(1e-3))),
                    true,
                    100,
                    2,
                    true,
                    Dl4jOptimizer.parse("prodigy")));
    assertTrue(
        e.getMessage().contains("prodigy") && e.getMessage().contains("Sgd(1.0)"), e.getMessage());
    assertTrue(e.getMessage().contains("layer0"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new GovernedStep(
                Net.of(linear(new Sgd(0.1))), true, 100, 2, true, Dl4jOptimizer.parse("dog")));
  }

  @Test
  void stepRefusesToRunInEvalMode() {
    MultiLayerNetwork n = linear(new Sgd(1.0));
    GovernedStep g =
        new GovernedStep(Net.of(n), true, 100, 2, true, Dl4jOptimizer.parse("sf-adamw"));
    g.step(0, 0, batch(), Hyperparameters.of(0.05, NO, 0), null);
    g.evalPoint().evalMode();
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> g.step(1, 0, batch(), Hyperparameters.of(0.05, NO, 0), null));
    assertTrue(e.getMessage().contains("trainMode"), e.getMessage());
    g.evalPoint().trainMode();
    g.step(1, 0, batch(), Hyperparameters.of(0.05, NO, 0), null);
  }
}
