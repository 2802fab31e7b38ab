package dev.governor.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.GuardAction;
import dev.governor.control.Observation;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The first five iterates of every new optimizer (parameters, gradient point, internal scalars)
 * against an independent NumPy implementation of each reference algorithm's {@code step()}, on a
 * noise-free 3-d quadratic with clipping and weight decay active, at the defaults and with options
 * that take the other code paths (warmup, growth cap, coupled/decoupled decay, bias correction,
 * momentum, no averaging, a varying lr).
 *
 * <p>The problem: {@code nqm(dim=3, lambda-max=2, exponent=1, noise-scale=0)}, seed 21, so f(p) = ½
 * Σ h_i(p_i − c_i)² with h = (2, 1, 2/3); c and p₀ below (asserted first). Every step uses clip 1
 * and wd 0.1. The NumPy script (numpy only; one flat parameter vector; {@code g = clip(h*(p-c))}):
 *
 * <pre>
 * sf (SGDScheduleFreeReference / AdamWScheduleFreeReference), gradient at y:
 *   sched = (k+1)/warmup if k &lt; warmup else 1; lr = lr0*sched; lr_max = max(lr, lr_max)
 *   weight = (k+1)**r * lr_max**2; wsum += weight; ck = weight/wsum
 *   sgd:  g = g + wd*y; z = z - lr*g
 *   adam: z = z - lr*wd*y; v = v*b2 + (1-b2)*g*g; z = z - lr*g/(sqrt(v/(1-b2**(k+1))) + eps)
 *   x = x*(1-ck) + ck*z; y = x*beta + (1-beta)*z; k += 1
 * prodigy (prodigyopt.Prodigy), b3 = sqrt(b2) unless given:
 *   bc = sqrt(1-b2**(k+1))/(1-b1**(k+1)) if bias else 1; dlr = d*lr*bc; num *= b3
 *   if not decouple: g = g + wd*p
 *   delta = (d/d0)*dlr*dot(g, p0-p); m = m*b1 + d*(1-b1)*g; v = v*b2 + d*d*(1-b2)*g*g
 *   s = s*b3 + ((d/d0)*d if safeguard else (d/d0)*dlr)*g; num += delta
 *   d_hat = d_coef*num/sum(|s|); if d == d0: d = max(d, d_hat)
 *   d_max = max(d_max, d_hat); d = min(d_max, d*growth)
 *   if decouple: p = p - wd*dlr*p;  p = p - dlr*m/(sqrt(v) + d*eps); k += 1
 * dadapt_sgd (dadaptation.DAdaptSGD):
 *   if k == 0: g0 = |g|  (no decay term);  dlr = d*lr/g0; g = g + wd*p
 *   num += dlr*dot(g, s); s = s + dlr*g; d = max(d, min(2*num/|s|, d*growth))
 *   p = p*momentum + (1-momentum)*(p0 - s); k += 1
 * dadapt_adam (dadaptation.DAdaptAdam), sb2 = b2**0.5:
 *   dlr = d*lr*bc; if not decouple: g = g + wd*p; acc = dlr*dot(g, s/(sqrt(v)+eps))
 *   m = m*b1 + dlr*(1-b1)*g; v = v*b2 + (1-b2)*g*g; s = s*sb2 + dlr*(1-sb2)*g
 *   num = sb2*num + (1-sb2)*acc; d = max(d, min(num/((1-sb2)*sum(|s|)), d*growth))
 *   if decouple: p = p - wd*dlr*p;  p = p - m/(sqrt(v)+eps); k += 1
 * dog (dog.DoG + PolynomialDecayAverager), g = g + wd*p:
 *   t == 0: rbar = reps_rel*(1+|p|); G = dot(g,g) + eps   else: rbar = max(rbar, |p-p0|); G += dot(g,g)
 *   eta = lr*rbar/sqrt(G) (init_eta on the first step if given); p = p - eta*g; t += 1
 *   w = (gamma+1)/(gamma+t); av = av*(1-w) + w*p
 * sgd_hd (SGDHD with applied rate lr*alpha, alpha0 = 1), g = g + wd*p:
 *   alpha += beta*dot(g, prev)/lr; prev = g; p = p - lr*alpha*g
 * adam_hd (AdamHD with applied rate lr*alpha), g = g + wd*p; t += 1:
 *   if t &gt; 1: alpha += beta*dot(g, m/(sqrt(v)+eps))*sqrt(1-b2**(t-1))/(1-b1**(t-1))/lr
 *   m = m*b1 + (1-b1)*g; v = v*b2 + (1-b2)*g*g; p = p - lr*alpha*sqrt(1-b2**t)/(1-b1**t)*m/(sqrt(v)+eps)
 * </pre>
 *
 * The varying-lr cases use lr_t = base·(1, 1.2, 0.9, 1.1, 1). Tolerance 1e-12 relative.
 */
class OptimizerIterateTest {
  private static final ProblemConfig.Nqm QUAD =
      new ProblemConfig.Nqm(3, 2.0, 1.0, NoiseKind.ISOTROPIC, 0.0, 1, 1.0, 1.0);
  private static final long SEED = 21;
  private static final double CLIP = 1.0;
  private static final double WD = 0.1;
  private static final double[] H = {2.0, 1.0, 2.0 / 3};
  private static final double[] C = {1.5593292726401828, 0.04413087198273777, -0.40458281255729217};
  private static final double[] X0 = {1.0156575617003527, -0.9069755508730517, -0.6555587142379384};
  private static final double TOL = 1e-12;

  /**
   * One case: the spec, the lr of each step, the reported iterate, the scalars (in state order) and
   * the gradient point (null: the reported iterate) after each step.
   */
  record Case(String spec, double[] lr, double[][] x, double[][] scalars, double[][] gradPoint) {
    @Override
    public String toString() {
      return spec;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case(
            "sf-sgd",
            new double[] {1.0, 1.0, 1.0, 1.0, 1.0},
            new double[][] {
              {1.6617797074935434, -0.16227048395523214, -0.474950786217623},
              {1.4762402872655056, -0.050956281788485575, -0.4277472556866316},
              {1.433566220613057, 0.015461192171006527, -0.3938131620715744},
              {1.4437523347835761, 0.05179785823163816, -0.3700965348817866},
              {1.4659362813473735, 0.06863228349360262, -0.3541537630777425}
            },
            new double[][] {
              {1.0, 1.0, 1.0}, {2.0, 2.0, 1.0}, {3.0, 3.0, 1.0}, {4.0, 4.0, 1.0}, {5.0, 5.0, 1.0}
            },
            new double[][] {
              {1.6617797074935434, -0.16227048395523214, -0.474950786217623},
              {1.4576863452427018, -0.03982486157181092, -0.4230269026335325},
              {1.4250314072825674, 0.02874468696290495, -0.38702634334856295},
              {1.4468081690347319, 0.06269885804982765, -0.3629815467248503},
              {1.4748098599728925, 0.0753660535983884, -0.3477766543561248}
            }),
        new Case(
            "sf-sgd(momentum=0.8, warmup=3)",
            new double[] {0.5, 0.6, 0.45, 0.55, 0.5},
            new double[][] {
              {1.1233445859992177, -0.7828580397200817, -0.6254573929012192},
              {1.3305181470121203, -0.5233777284309751, -0.5626890707369278},
              {1.4214363528529517, -0.3575913423586839, -0.5196763836088645},
              {1.481840593145359, -0.19352247220179647, -0.4728218490180327},
              {1.5015851195717214, -0.09720668565210441, -0.44175862637498026}
            },
            new double[][] {
              {1.0, 0.027777777777777776, 0.16666666666666666},
              {2.0, 0.18777777777777777, 0.39999999999999997},
              {3.0, 0.3902777777777778, 0.45},
              {4.0, 0.6927777777777778, 0.55},
              {5.0, 0.9952777777777779, 0.55}
            },
            new double[][] {
              {1.1233445859992177, -0.7828580397200817, -0.6254573929012192},
              {1.3377116734361796, -0.5143679954001034, -0.5605096151062232},
              {1.4382980009046396, -0.32684467651921373, -0.5116992707148806},
              {1.497426994910434, -0.15118697861677777, -0.46073174413279516},
              {1.510628801648369, -0.0530906945309048, -0.4275305864719917}
            }),
        new Case(
            "sf-adamw",
            new double[] {0.0025, 0.0025, 0.0025, 0.0025, 0.0025},
            new double[][] {
              {1.0179036472764913, -0.9042488070235593, -0.6528948247766718},
              {1.0190261235944953, -0.9028852690874825, -0.6515675861179777},
              {1.0201484199742537, -0.9015217206441, -0.6502416469674084},
              {1.0212705252097283, -0.9001581422702438, -0.6489171797940827},
              {1.0223924332340348, -0.8987945237033765, -0.6475942784623652}
            },
            new double[][] {
              {1.0, 6.25e-06, 0.0025},
              {2.0, 1.25e-05, 0.0025},
              {3.0, 1.8750000000000002e-05, 0.0025},
              {4.0, 2.5e-05, 0.0025},
              {5.0, 3.125e-05, 0.0025}
            },
            new double[][] {
              {1.0179036472764913, -0.9042488070235593, -0.6528948247766718},
              {1.0191383712262956, -0.9027489152938748, -0.6514348622521083},
              {1.0203728792502051, -0.9012490109554235, -0.6499764591372945},
              {1.0216071567803706, -0.899749068758087, -0.6485198396420849},
              {1.0228411964437574, -0.8982490762766295, -0.6470651179296781}
            }),
        new Case(
            "sf-adamw(r=1, warmup=2)",
            new double[] {0.05, 0.06, 0.045000000000000005, 0.05500000000000001, 0.05},
            new double[][] {
              {1.0381184174617377, -0.8797081123781277, -0.6289198196252729},
              {1.0874625441173564, -0.8194149301864995, -0.5723401491521115},
              {1.112942262210411, -0.7877338787343577, -0.5461041904976673},
              {1.1419780013738905, -0.7513722482790473, -0.517731379307277},
              {1.17050561645299, -0.7153454815719331, -0.4916356553365303}
            },
            new double[][] {
              {1.0, 0.0006250000000000001, 0.025},
              {2.0, 0.007825, 0.06},
              {3.0, 0.018625000000000003, 0.06},
              {4.0, 0.033025, 0.06},
              {5.0, 0.051025, 0.06}
            },
            new double[][] {
              {1.0381184174617377, -0.8797081123781276, -0.6289198196252729},
              {1.087890878550131, -0.8188915518688638, -0.5718490061792542},
              {1.1147883621555792, -0.7854384692194224, -0.5442032981229357},
              {1.145733491942778, -0.7466692248955045, -0.5140616320265754},
              {1.1757396413862524, -0.7087355706246974, -0.4868478148691197}
            }),
        new Case(
            "prodigy",
            new double[] {1.0, 1.0, 1.0, 1.0, 1.0},
            new double[][] {
              {1.0156606224109193, -0.9069722978993654, -0.6555554864130986},
              {1.0156647704344444, -0.906967957612591, -0.6555511712797978},
              {1.0156723581763334, -0.906960066378904, -0.6555433197639604},
              {1.015694353072033, -0.9069371469380175, -0.6555205211981101},
              {1.0157532350873633, -0.9068756773888956, -0.6554593893187483}
            },
            new double[][] {
              {1.0, 1e-06, 1e-06, 0.0},
              {2.0, 1.5785389147117983e-06, 1.5785389147117983e-06, 4.787291323900864e-12},
              {3.0, 4.8089693074174235e-06, 4.8089693074174235e-06, 3.2752080840296494e-11},
              {4.0, 1.3459681108743278e-05, 1.3459681108743278e-05, 5.637416202592003e-10},
              {5.0, 3.44023672487915e-05, 3.44023672487915e-05, 1.0893162061728916e-08}
            },
            null),
        new Case(
            "prodigy(bias-correction=true, decouple=false, growth-rate=1.5)",
            new double[] {1.0, 1.2, 0.9, 1.1, 1.0},
            new double[][] {
              {1.0156585616998632, -0.9069745508734763, -0.6555577142396893},
              {1.0156597616994318, -0.9069733508738278, -0.6555565142412416},
              {1.0156606616991422, -0.9069724508740288, -0.6555556142422976},
              {1.0156617616987063, -0.9069713508742973, -0.6555545142438998},
              {1.0156631023946576, -0.9069700101781913, -0.6555531735495217}
            },
            new double[][] {
              {1.0, 1e-06, 1e-06, 0.0},
              {2.0, 1e-06, 1e-06, 4.437415566872803e-13},
              {3.0, 1e-06, 1e-06, 1.072063041276541e-12},
              {4.0, 1.332900771296864e-06, 1.332900771296864e-06, 2.056268461725036e-12},
              {5.0, 1.999351156945296e-06, 2.015259136440412e-06, 4.077918318791497e-12}
            },
            null),
        new Case(
            "prodigy(beta3=0.9, d0=0.001, safeguard-warmup=true)",
            new double[] {1.0, 1.2, 0.9, 1.1, 1.0},
            new double[][] {
              {1.0187182722668953, -0.9037225771868297, -0.6523308893980402},
              {1.023695418967502, -0.8985144437107845, -0.6471542456760557},
              {1.0321110412881962, -0.889759104626321, -0.638423007223086},
              {1.0607089177368876, -0.8599947483711331, -0.6085776609130341},
              {1.1332812593444717, -0.7846122718610817, -0.5317212119949608}
            },
            new double[][] {
              {1.0, 0.001, 0.001, 0.0},
              {2.0, 0.0019930558094489337, 0.0019930558094489337, 5.742273185636367e-06},
              {3.0, 0.005788312135093362, 0.005788312135093362, 4.984254151036477e-05},
              {4.0, 0.016830818879564086, 0.016830818879564086, 0.0009836639382142121},
              {5.0, 0.04283050480780431, 0.04283050480780431, 0.020523603222738423}
            },
            null),
        new Case(
            "dadapt-sgd",
            new double[] {1.0, 1.0, 1.0, 1.0, 1.0},
            new double[][] {
              {1.0156582078224985, -0.9069748061679848, -0.6555585336300104},
              {1.0156588539444453, -0.9069740614628446, -0.6555583530220672},
              {1.0156595015759073, -0.9069733150175692, -0.6555581719921041},
              {1.0156607978464283, -0.906971820965077, -0.6555578096503858},
              {1.0156631325848642, -0.9069691299954333, -0.6555571570290476}
            },
            new double[][] {
              {1.0, 1e-06, 0.0, 1.0},
              {2.0, 1.0023365783960506e-06, 1.0046786163907132e-12, 1.0},
              {3.0, 2.0062332291829766e-06, 3.0187306556211886e-12, 1.0},
              {4.0, 3.613468523270497e-06, 9.07029789460408e-12, 1.0},
              {5.0, 6.307035038654722e-06, 2.725327479416436e-11, 1.0}
            },
            null),
        new Case(
            "dadapt-sgd(d0=0.1, growth-rate=2, momentum=0.9)",
            new double[] {1.0, 1.2, 0.9, 1.1, 1.0},
            new double[][] {
              {1.0221187831582845, -0.8995285002038735, -0.6537526349577353},
              {1.035663295047423, -0.8838807431463527, -0.6499580053350572},
              {1.0541479357641623, -0.8624479516363878, -0.6447611192812658},
              {1.0855376871530478, -0.825710692850992, -0.6358559581289658},
              {1.1381572708229137, -0.7631488255785173, -0.6206976285505785}
            },
            new double[][] {
              {1.0, 0.1, 0.0, 1.0},
              {2.0, 0.10931052883642679, 0.01204760505715142, 1.0},
              {3.0, 0.21163103699377958, 0.0337364374466892, 1.0},
              {4.0, 0.39122140763480723, 0.1078183862497078, 1.0},
              {5.0, 0.6855206200115167, 0.3223277188043525, 1.0}
            },
            null),
        new Case(
            "dadapt-adam",
            new double[] {1.0, 1.0, 1.0, 1.0, 1.0},
            new double[][] {
              {1.0156607239764652, -0.9069723885967343, -0.6555555519658152},
              {1.0156649735665029, -0.9069681390062222, -0.6555513023801313},
              {1.0156969862285932, -0.9069361262579603, -0.6555192899121395},
              {1.0157875754164816, -0.9068455357695617, -0.6554287033892068},
              {1.0162004290978324, -0.9064326568942538, -0.6550159005509162}
            },
            new double[][] {
              {1.0, 1e-06, 0.0},
              {2.0, 1.58153256298012e-05, 1.2429481127901821e-17},
              {3.0, 4.1478421963999066e-05, 2.904237871131196e-16},
              {4.0, 0.00024012522549540083, 5.595257090686215e-15},
              {5.0, 0.0007999116279961966, 9.412428898449592e-14}
            },
            null),
        new Case(
            "dadapt-adam(bias-correction=true, d0=0.01, decouple=true)",
            new double[] {1.0, 1.2, 0.9, 1.1, 1.0},
            new double[][] {
              {1.0253363783491714, -0.8966887448559964, -0.6453514358557914},
              {1.0377282470763363, -0.8837543519673358, -0.6324882427771683},
              {1.061780426339419, -0.8579587653739809, -0.6073256792167105},
              {1.1103100704543887, -0.8050262884787782, -0.5575882725514842},
              {1.1941007552943137, -0.7124524107899021, -0.4773164942199239}
            },
            new double[][] {
              {1.0, 0.01, 0.0},
              {2.0, 0.0471493278952457, 1.0697406351778748e-10},
              {3.0, 0.09816356573519036, 5.407800293782557e-10},
              {4.0, 0.19462008686907944, 2.525919377314306e-09},
              {5.0, 0.36591650969729056, 9.32844875729423e-09}
            },
            null),
        new Case(
            "dog",
            new double[] {1.0, 1.0, 1.0, 1.0, 1.0},
            new double[][] {
              {1.0156591805018167, -0.9069736850808631, -0.6555582617408677},
              {1.0156602107000594, -0.9069724976975841, -0.6555579737734082},
              {1.0156616097524795, -0.90697088518021, -0.6555575827012674},
              {1.0156634775329882, -0.9069687324150605, -0.6555570606067695},
              {1.0156659329136932, -0.9069659023905855, -0.6555563742615155}
            },
            new double[][] {
              {1.0, 2.5112650860566718e-06, 1.0046786976412627, 2.505410895539177e-06},
              {2.0, 2.5112650860566718e-06, 2.009357028259074, 1.771593195691483e-06},
              {3.0, 4.286997483119103e-06, 3.014035106423425, 2.469329673495573e-06},
              {4.0, 6.762096275998126e-06, 4.018712832706759, 3.3731671553797e-06},
              {5.0, 1.0143143603141257e-05, 5.023390078312523, 4.5255787071492644e-06}
            },
            new double[][] {
              {1.0156591805018167, -0.9069736850808631, -0.6555582617408677},
              {1.0156603251665308, -0.9069723657661087, -0.6555579417770239},
              {1.0156619206530173, -0.9069705268430157, -0.6555574957963473},
              {1.0156641001264912, -0.9069680148266773, -0.6555568865752703},
              {1.0156670241940067, -0.90696464460193, -0.6555560692191803}
            }),
        new Case(
            "dog(average=false, reps-rel=0.1)",
            new double[] {1.0, 1.2, 0.9, 1.1, 1.0},
            new double[][] {
              {1.177537708092294, -0.720396332011138, -0.6103090071696531},
              {1.3024922375863799, -0.5545979790568398, -0.5702602095778885},
              {1.401775685063604, -0.3852033636942248, -0.5268938092386783},
              {1.4772087187460898, -0.18345541280025257, -0.4690112144721217},
              {1.4857019309642554, -0.05701949500336767, -0.4228167225407311}
            },
            new double[][] {
              {1.0, 0.2511265086056672, 1.0046786976412627, 0.25054108955391774},
              {2.0, 0.2511265086056672, 1.9788584440695898, 0.2142231695032134},
              {3.0, 0.4622985175262542, 2.5818845981325156, 0.258938481485008},
              {4.0, 0.6617311223460813, 2.8493905710810385, 0.43121936376838504},
              {5.0, 0.8782430360874024, 2.9182195839313168, 0.5141096206250588}
            },
            new double[][] {
              {1.177537708092294, -0.720396332011138, -0.6103090071696531},
              {1.3024922375863799, -0.5545979790568398, -0.5702602095778885},
              {1.401775685063604, -0.3852033636942248, -0.5268938092386783},
              {1.4772087187460898, -0.18345541280025257, -0.4690112144721217},
              {1.4857019309642554, -0.05701949500336767, -0.4228167225407311}
            }),
        new Case(
            "dog(init-eta=0.2, gamma=2)",
            new double[] {1.0, 1.2, 0.9, 1.1, 1.0},
            new double[][] {
              {1.144881990858991, -0.7580345374894878, -0.6194371286338753},
              {1.2215613399010297, -0.659926135113724, -0.5957180702636315},
              {1.296404108381311, -0.5528874999880934, -0.5694278955744119},
              {1.370189891817704, -0.4210478351104764, -0.5349571617693876},
              {1.4172219994746889, -0.2998676316575343, -0.49983333903539506}
            },
            new double[][] {
              {1.0, 2.5112650860566718e-06, 1.0046786976412627, 0.2},
              {2.0, 0.20046732278765667, 1.9839759543264877, 0.170787717494822},
              {3.0, 0.3693593621476479, 2.8052856261270853, 0.19847375107467294},
              {4.0, 0.5487022133360012, 3.2430097168289933, 0.3351623850452073},
              {5.0, 0.7675547908464881, 3.3946837145434903, 0.4165908513748177}
            },
            new double[][] {
              {1.144881990858991, -0.7580345374894878, -0.6194371286338753},
              {1.2471211229150425, -0.6272233343218028, -0.5878117174735503},
              {1.3462992873681652, -0.4815284099043396, -0.5519011124482653},
              {1.443975675254097, -0.2892081702328594, -0.5004864279643632},
              {1.4799314763506688, -0.13829402705361146, -0.45300157539007174}
            }),
        new Case(
            "sgd-hd",
            new double[] {0.1, 0.1, 0.1, 0.1, 0.1},
            new double[][] {
              {1.0802697762796718, -0.8325050441812698, -0.6374979214359069},
              {1.143346617097343, -0.7564018699696266, -0.61906865317989},
              {1.2046164056541102, -0.6785134255596186, -0.6002207461687643},
              {1.2637480910914773, -0.5986612572854899, -0.5808900132772323},
              {1.311992625776885, -0.5257259554162922, -0.5626600728661698}
            },
            new double[][] {
              {1.0},
              {1.0099762970116906},
              {1.0198206350429952},
              {1.0295419636577121},
              {1.037991105214188}
            },
            null),
        new Case(
            "sgd-hd(beta=0.05)",
            new double[] {0.1, 0.12, 0.09000000000000001, 0.11000000000000001, 0.1},
            new double[][] {
              {1.0802697762796718, -0.8325050441812698, -0.6374979214359069},
              {1.1863671908685762, -0.7044968890296206, -0.6064992587035626},
              {1.2889530356299905, -0.5681073971323917, -0.5735106539563893},
              {1.3939914242345521, -0.3974758412782917, -0.5301622872363816},
              {1.442394784797506, -0.2756670514367409, -0.4955606809361215}
            },
            new double[][] {
              {1.0},
              {1.4156790421537693},
              {1.9600663300945613},
              {2.3185087218445135},
              {2.5305433129466466}
            },
            null),
        new Case(
            "adam-hd",
            new double[] {0.01, 0.01, 0.01, 0.01, 0.01},
            new double[][] {
              {1.025657556806114, -0.896975555119399, -0.6455587317469822},
              {1.0356563202305258, -0.8869746517200473, -0.6355648164723258},
              {1.0456528644256853, -0.8769723090572912, -0.6255815280723921},
              {1.0556461557574728, -0.8669679708185541, -0.615613747497203},
              {1.0656351124772427, -0.8569610568579418, -0.6056666959344924}
            },
            new double[][] {
              {1.0, 1.0},
              {1.0000156638922426, 2.0},
              {1.000031274939424, 3.0},
              {1.0000468311710806, 4.0},
              {1.000062330583268, 5.0}
            },
            null),
        new Case(
            "adam-hd(beta=0.001)",
            new double[] {0.01, 0.012, 0.009000000000000001, 0.011000000000000001, 0.01},
            new double[][] {
              {1.025657556806114, -0.896975555119399, -0.6455587317469822},
              {1.0392220559709509, -0.8834081528267399, -0.6320008096677825},
              {1.0509508148960405, -0.8716712908052997, -0.6202909780479939},
              {1.0668313028274616, -0.8557695639034367, -0.6044608130322293},
              {1.0827998262455325, -0.8397634434707889, -0.5885835108050896}
            },
            new double[][] {
              {1.0, 1.0},
              {1.1305324353553, 2.0},
              {1.303781910621274, 3.0},
              {1.4449384852296066, 4.0},
              {1.5993047140569847, 5.0}
            },
            null));
  }

  private static SimulatedTrainer plant(String spec) {
    return SimulatedTrainer.of(SimulatedTrainer.Config.of(QUAD, OptimizerSpec.parse(spec), SEED));
  }

  @Test
  void theProblemIsTheOneOfTheNumPyScript() {
    SimulatedTrainer t = plant("sgd");
    NqmProblem p = (NqmProblem) t.problem();
    for (int i = 0; i < 3; i++) {
      assertEquals(H[i], p.curvature(i), 1e-16);
      assertEquals(C[i], p.optimum(i), 0.0);
      assertEquals(X0[i], t.parameters()[i], 0.0);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void firstFiveIteratesMatchNumPy(Case c) {
    SimulatedTrainer t = plant(c.spec());
    for (int s = 0; s < 5; s++) {
      t.step(s, c.lr()[s], CLIP, WD, GuardAction.NONE);
      String at = c.spec() + " after step " + s;
      assertClose(c.x()[s], t.parameters(), at + ": parameters");
      assertClose(
          c.gradPoint() == null ? c.x()[s] : c.gradPoint()[s], t.gradientPoint(), at + ": y");
      double[] scalars = t.optimizerScalars().values().stream().mapToDouble(d -> d).toArray();
      assertClose(c.scalars()[s], scalars, at + ": " + t.optimizerScalars().keySet());
    }
  }

  /**
   * Schedule-Free: the observation's loss and gradient norm are the mini-batch values at y (before
   * the step), the parameter norm is ‖x‖ before it and the update norm ‖Δx‖; exactLoss is f(x).
   * Derived from the NumPy iterates of {@code sf-sgd} with the closed-form quadratic.
   */
  @Test
  void scheduleFreeMeasuresAtYAndReportsX() {
    Case c = cases().filter(k -> k.spec().equals("sf-sgd")).findFirst().orElseThrow();
    SimulatedTrainer t = plant(c.spec());
    double[] x = X0;
    double[] y = X0;
    for (int s = 0; s < 5; s++) {
      Observation o = t.step(s, c.lr()[s], CLIP, WD, GuardAction.NONE);
      double gg = 0;
      double batchLoss = 0;
      for (int i = 0; i < 3; i++) {
        double gi = H[i] * (y[i] - C[i]);
        gg += gi * gi;
        batchLoss += 0.5 * gi * gi / H[i];
      }
      assertEquals(batchLoss, o.loss(), 1e-12 * batchLoss, "loss at y, step " + s);
      assertEquals(Math.sqrt(gg), o.gradNorm(), 1e-12, "gradient norm at y, step " + s);
      assertEquals(norm(x), o.paramNorm(), 1e-12, "‖x‖ before step " + s);
      double[] xn = c.x()[s];
      assertEquals(distance(xn, x), o.updateNorm(), 1e-12, "‖Δx‖ of step " + s);
      assertEquals(f(xn), t.exactLoss(), 1e-12 * f(xn), "f(x) after step " + s);
      x = xn;
      y = c.gradPoint()[s];
    }
    // y differs from x from the second step on (the test would not see a plant that used x)
    assertTrue(distance(c.gradPoint()[1], c.x()[1]) > 1e-3);
  }

  /**
   * SGD-HD's parameterization: with a constant lr = α₀ the applied rate lr·α equals the published
   * SGDHD's learning-rate state (NumPy, {@code lr += beta*dot(g, prev)} from lr = 0.1, β = 1e-3):
   * 0.1037991105214188 after five steps, with the same iterate.
   */
  @Test
  void sgdHdWithAConstantLrIsThePublishedAlgorithm() {
    SimulatedTrainer t = plant("sgd-hd");
    for (int s = 0; s < 5; s++) {
      t.step(s, 0.1, CLIP, WD, GuardAction.NONE);
    }
    assertEquals(0.1037991105214188, 0.1 * t.optimizerScalars().get("alpha"), 1e-13);
    assertClose(
        new double[] {1.311992625776885, -0.5257259554162923, -0.5626600728661698},
        t.parameters(),
        "SGDHD iterate");
  }

  @Test
  void everyNewKindHasACase() {
    List<String> specs = cases().map(Case::spec).toList();
    for (OptimizerKind k : OptimizerKind.values()) {
      if (Double.isNaN(k.defaultLr())) {
        continue; // the four classic optimizers are pinned in ClassicOptimizerPinTest
      }
      assertTrue(specs.contains(k.id()), k.id() + " has no default case");
      assertTrue(specs.stream().anyMatch(s -> s.startsWith(k.id() + "(")), k.id() + " no options");
    }
    Map<String, Double> m = plant("prodigy").optimizerScalars();
    assertEquals(List.of("k", "d", "d-max", "d-numerator"), List.copyOf(m.keySet()));
  }

  private static double f(double[] p) {
    double s = 0;
    for (int i = 0; i < 3; i++) {
      s += 0.5 * H[i] * (p[i] - C[i]) * (p[i] - C[i]);
    }
    return s;
  }

  private static double norm(double[] a) {
    return Math.sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
  }

  private static double distance(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (a[i] - b[i]) * (a[i] - b[i]);
    }
    return Math.sqrt(s);
  }

  private static void assertClose(double[] expected, double[] actual, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      double tol = TOL * Math.max(Math.abs(expected[i]), 1e-300);
      assertEquals(expected[i], actual[i], tol, what + " [" + i + "]");
    }
  }
}
