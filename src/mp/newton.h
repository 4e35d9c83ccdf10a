/* mp/newton.h -- private to src/mp/: the scaled Newton step of the polar
 * factor, shared by lmc_mp_polar (polar_mp.c) and the reference
 * trajectories (traj_mp.c), which differ only in their stopping rules. */
#ifndef LMC_MP_NEWTON_H
#define LMC_MP_NEWTON_H

#include "mp.h"

/* One step X <- (z X + X^-T / z) / 2 on the square x (n x n) in place;
 * y, xn n x n and work n x 2n at x's precision are scratch (x and xn
 * exchange their entries).  z = sqrt(||X^-1||_F / ||X||_F) if scaling,
 * else 1.  step = ||X_new - X||_F / ||X_new||_F (nearest), NaN if the step
 * was not a number.  Errors of the inverse propagate. */
int lmc_mp_newton_step(lmc_mp_mat *x, lmc_mp_mat *y, lmc_mp_mat *xn,
                       lmc_mp_mat *work, int scaling, mpfr_t step);

#endif /* LMC_MP_NEWTON_H */
