# fig-rates.gp -- report mvr-rates: outcome vs horizon, log-log, with least-squares lines per series
# Data: fig-rates.dat.  Written by 'lmocheck report mvr-rates'; edit freely
# (re-running the report overwrites it).  Render, in this directory:
#   gnuplot -e "set terminal pngcairo noenhanced; set output 'fig-rates.png'" fig-rates.gp
# Without a terminal set, gnuplot opens its interactive window.
set datafile missing 'NaN'
set termoption noenhanced
f0(x) = 10**(0.4795022011) * x**(-0.3772546889)
f1(x) = 10**(0.4249143153) * x**(-0.2633370053)
f2(x) = 10**(0.2605371628) * x**(-0.3152562794)
set logscale xy
set format y '%.0e'
set xlabel 'iters' offset 0,0.8
set ylabel 'gdual_avg'
set key below horizontal Left reverse box maxcols 2
set grid
set samples 200
plot 'fig-rates.dat' index 0 using 1:2 with points pt 7 ps 1.1 lc 1 title 'muon: slope -0.3773 (theory -0.2500)', \
     f0(x) with lines lw 2 lc 1 notitle, \
     'fig-rates.dat' index 1 using 1:2 with points pt 7 ps 1.1 lc 2 title 'mvr1: slope -0.2633 (theory -0.2500)', \
     f1(x) with lines lw 2 lc 2 notitle, \
     'fig-rates.dat' index 2 using 1:2 with points pt 7 ps 1.1 lc 3 title 'mvr2: slope -0.3153 (theory -0.3333)', \
     f2(x) with lines lw 2 lc 3 notitle
