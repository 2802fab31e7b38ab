package dev.governor.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.governor.control.GuardAction;
import dev.governor.control.Observation;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Pins the four classic optimizers bit for bit: the values below were printed by the plant as it
 * was before the optimizer state moved into {@link OptimizerState} (fixed x/m/v arrays), so a
 * change in their arithmetic, its order or the plant's step fails here.
 *
 * <p>Noise-free case: {@code nqm(dim=3, lambda-max=2, exponent=1, noise-scale=0)}, seed 21, h = (2,
 * 1, 2/3), c and p₀ as in {@link OptimizerIterateTest}; five steps at clip 1 and wd 0.1 with lr 0.3
 * (sgd, momentum) or 0.05 (adam, adamw). An independent NumPy script reproduces every parameter,
 * gradient norm and update norm below to 8e-16 relative:
 *
 * <pre>
 * g = h*(x-c); gn = |g|; g *= clip/gn if gn &gt; clip else 1
 * sgd:      u = lr*(g + wd*x)
 * momentum: m = 0.9*m + g; u = lr*(m + wd*x)
 * adam(w):  t += 1; gi = g + wd*x (adam only); m = 0.9*m + 0.1*gi; v = 0.999*v + 0.001*gi*gi
 *           st = (m/(1-0.9**t))/(sqrt(v/(1-0.999**t)) + 1e-8); u = lr*(st if adam else st + wd*x)
 * x = x - u;  observation: loss = f(x) (noise-free), gn, |u|, |x| before the step
 * </pre>
 *
 * <p>Noisy case (recorded only; the noise comes from the plant's generator): the default NQM (dim
 * 100, curvature noise), seed 7, 60 steps at clip 5 and wd 1e-3, lr 0.05 (sgd, momentum) or 0.01
 * (adam, adamw), SKIP before step 20 and ROLLBACK before step 45 (snapshots every 25 steps).
 */
class ClassicOptimizerPinTest {
  private static final ProblemConfig.Nqm QUAD =
      new ProblemConfig.Nqm(3, 2.0, 1.0, NoiseKind.ISOTROPIC, 0.0, 1, 1.0, 1.0);

  /** Parameters after each step; observation (loss, gradNorm, updateNorm, paramNorm) per step. */
  record Pin(OptimizerKind kind, double[][] x, double[][] obs) {}

  /** x[0], x[50], x[99] and the exact loss after 60 steps; sums of observed loss and sharpness. */
  record Noisy(
      OptimizerKind kind,
      double x0,
      double x50,
      double x99,
      double exact,
      double sumLoss,
      double sumSharpness) {}

  static Stream<Pin> pins() {
    return Stream.of(
        new Pin(
            OptimizerKind.SGD,
            new double[][] {
              {1.2094942054383098, -0.6835640307977058, -0.6013763358318438},
              {1.3794023414467098, -0.4486052415096846, -0.5446716456726614},
              {1.4459764299193922, -0.28732625021666736, -0.5003137296794077},
              {1.470608842654285, -0.1792693260503458, -0.46615813436460235},
              {1.479722835366195, -0.10687118685891035, -0.43985832597220226}
            },
            new double[][] {
              {0.7688769441498146, 1.4542744626796704, 0.3007009841814849, 1.511265086056672},
              {0.4000637402780625, 1.0179835340184373, 0.29544852213472084, 1.5138657518048917},
              {0.1603097663930514, 0.6172567125762801, 0.1800295725699704, 1.549407849437453},
              {0.07083558171225376, 0.40661082389626607, 0.11597266621379808, 1.5568294826511095},
              {0.03408897902271769, 0.2882325925054004, 0.07756439481496759, 1.5531037523584208}
            }),
        new Pin(
            OptimizerKind.MOMENTUM,
            new double[][] {
              {1.2094942054383098, -0.6835640307977058, -0.6013763358318438},
              {1.581278074976781, -0.27202321331544566, -0.5136075903916005},
              {1.8879322774569771, 0.18291421557596882, -0.41363969728423167},
              {1.9528157964997408, 0.5378908452734764, -0.32331543056425804},
              {1.7675087469188395, 0.6980437784763585, -0.2597458758246351}
            },
            new double[][] {
              {0.7688769441498146, 1.4542744626796704, 0.3007009841814849, 1.511265086056672},
              {0.4000637402780625, 1.0179835340184373, 0.5615090763105438, 1.5138657518048917},
              {0.05442058680998335, 0.3273579856379215, 0.5576723444437802, 1.684704643518442},
              {0.11763768539107024, 0.6717268880083648, 0.3719902577128533, 1.9413509970360978},
              {0.27893256252978116, 0.9306238619005037, 0.25303903439520814, 2.0511823332236663}
            }),
        new Pin(
            OptimizerKind.ADAM,
            new double[][] {
              {1.0656575609265053, -0.8569755515444585, -0.605558717006366},
              {1.1156164311598848, -0.8069566889045703, -0.5558023989562445},
              {1.1654945474714375, -0.7569022004231407, -0.5065770999239303},
              {1.2152372902293231, -0.7067917166713842, -0.4583443816713409},
              {1.2647667570589867, -0.6566009782254333, -0.41185985251284435}
            },
            new double[][] {
              {0.7688769441498146, 1.4542744626796704, 0.08660253794567357, 1.511265086056672},
              {0.6631719235970075, 1.3434252928590786, 0.08644921353423922, 1.4955716274545843},
              {0.5666785582799637, 1.233708900696476, 0.08611857156703831, 1.4848216815251796},
              {0.4794003938445513, 1.1254779554269578, 0.08550904132865668, 1.4791547719418623},
              {0.4013050948728074, 1.0191989423918049, 0.0844576210964274, 1.478660128132518}
            }),
        new Pin(
            OptimizerKind.ADAMW,
            new double[][] {
              {1.0605792732231227, -0.8524406738832037, -0.6022809250126072},
              {1.1052625591833964, -0.7981580344377168, -0.5496436405936258},
              {1.1496947790732395, -0.7441101161912154, -0.4981596554498233},
              {1.1938579297316159, -0.6902772341768599, -0.4487507602767796},
              {1.2377261048416628, -0.6366373126767548, -0.4030519783145856}
            },
            new double[][] {
              {0.7688769441498146, 1.4542744626796704, 0.08849031471958752, 1.511265086056672},
              {0.6637000115695376, 1.3476712109515354, 0.08782872366362308, 1.4880274896368613},
              {0.5679160958191256, 1.2423804606897528, 0.08686771757912796, 1.4699556810717542},
              {0.4813812212138157, 1.138603250603048, 0.08537916598483952, 1.4572786255086072},
              {0.40389720488577197, 1.036580677972076, 0.08300624457744928, 1.4502264172379784}
            }));
  }

  static Stream<Noisy> noisy() {
    return Stream.of(
        new Noisy(
            OptimizerKind.SGD,
            -0.32569617054028505,
            -0.35983131828077675,
            0.2137954215888035,
            1.1872493614578359,
            285.26190407828955,
            986.418525917609),
        new Noisy(
            OptimizerKind.MOMENTUM,
            -0.43145911991936575,
            -0.28512571391688957,
            0.11039117568535126,
            0.4276723116654742,
            233.95005565486457,
            362.9938958294779),
        new Noisy(
            OptimizerKind.ADAM,
            -0.31918270225724865,
            -0.31351187673830266,
            0.12146427677246768,
            1.4591308230342608,
            301.1507337044515,
            919.3949656025344),
        new Noisy(
            OptimizerKind.ADAMW,
            -0.3193427901649079,
            -0.3167039536255399,
            0.12400171332307398,
            1.4633277888633014,
            301.3063904313328,
            931.3367661452232));
  }

  private static boolean adam(OptimizerKind k) {
    return k == OptimizerKind.ADAM || k == OptimizerKind.ADAMW;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pins")
  void noiseFreeIteratesAreThoseOfThePlantBeforeTheRefactor(Pin p) {
    SimulatedTrainer t = SimulatedTrainer.of(SimulatedTrainer.Config.of(QUAD, p.kind(), 21));
    double lr = adam(p.kind()) ? 0.05 : 0.3;
    for (int s = 0; s < 5; s++) {
      Observation o = t.step(s, lr, 1.0, 0.1, GuardAction.NONE);
      double[] x = t.parameters();
      for (int i = 0; i < 3; i++) {
        assertEquals(p.x()[s][i], x[i], 0.0, p.kind() + " x[" + i + "] after step " + s);
      }
      assertEquals(p.obs()[s][0], o.loss(), 0.0, "loss");
      assertEquals(p.obs()[s][1], o.gradNorm(), 0.0, "gradNorm");
      assertEquals(p.obs()[s][2], o.updateNorm(), 0.0, "updateNorm");
      assertEquals(p.obs()[s][3], o.paramNorm(), 0.0, "paramNorm");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("noisy")
  void noisyRunsWithSkipAndRollbackAreThoseOfThePlantBeforeTheRefactor(Noisy n) {
    SimulatedTrainer t =
        SimulatedTrainer.of(SimulatedTrainer.Config.of(ProblemConfig.Nqm.defaults(), n.kind(), 7));
    double lr = adam(n.kind()) ? 0.01 : 0.05;
    double sumLoss = 0;
    double sumSharp = 0;
    for (int s = 0; s < 60; s++) {
      GuardAction a =
          s == 20 ? GuardAction.SKIP : s == 45 ? GuardAction.ROLLBACK : GuardAction.NONE;
      Observation o = t.step(s, lr, 5.0, 1e-3, a);
      sumLoss += o.loss();
      if (!Double.isNaN(o.sharpness())) {
        sumSharp += o.sharpness();
      }
    }
    double[] x = t.parameters();
    assertEquals(n.x0(), x[0], 0.0);
    assertEquals(n.x50(), x[50], 0.0);
    assertEquals(n.x99(), x[99], 0.0);
    assertEquals(n.exact(), t.exactLoss(), 0.0);
    assertEquals(n.sumLoss(), sumLoss, 0.0);
    assertEquals(n.sumSharpness(), sumSharp, 0.0);
  }
}
