# fig-iters.gp -- report kappa-iters: iterations to tolerance vs kappa, log-log; open triangles: did not converge within the budget
# Data: fig-iters.dat.  Written by 'lmocheck report kappa-iters'; edit freely
# (re-running the report overwrites it).  Render, in this directory:
#   gnuplot -e "set terminal pngcairo noenhanced; set output 'fig-iters.png'" fig-iters.gp
# Without a terminal set, gnuplot opens its interactive window.
set datafile missing 'NaN'
set termoption noenhanced
set logscale x
set logscale y
set xlabel 'kappa (condition number)' offset 0,0.8
set ylabel 'iterations to tolerance'
set key below horizontal Left reverse box maxcols 2
set grid
set offsets graph 0.05, graph 0.05, graph 0.1, graph 0.1
plot 'fig-iters.dat' index 0 using 1:2 with linespoints pt 7 ps 1.2 lw 2 lc 1 title 'icl, adam: slope -0.03', \
     'fig-iters.dat' index 1 using 1:2 with points pt 8 ps 1.6 lw 2 lc 1 notitle, \
     'fig-iters.dat' index 2 using 1:2 with linespoints pt 7 ps 1.2 lw 2 lc 2 title 'icl, gd: slope 2.82', \
     'fig-iters.dat' index 3 using 1:2 with points pt 8 ps 1.6 lw 2 lc 2 notitle, \
     'fig-iters.dat' index 4 using 1:2 with linespoints pt 7 ps 1.2 lw 2 lc 3 title 'icl, simplified-muon: slope 0.08', \
     'fig-iters.dat' index 5 using 1:2 with linespoints pt 7 ps 1.2 lw 2 lc 4 title 'mf, adam: slope 0.00', \
     'fig-iters.dat' index 6 using 1:2 with points pt 8 ps 1.6 lw 2 lc 4 notitle, \
     'fig-iters.dat' index 7 using 1:2 with linespoints pt 7 ps 1.2 lw 2 lc 5 title 'mf, gd: slope 0.97', \
     'fig-iters.dat' index 8 using 1:2 with points pt 8 ps 1.6 lw 2 lc 5 notitle, \
     'fig-iters.dat' index 9 using 1:2 with linespoints pt 7 ps 1.2 lw 2 lc 6 title 'mf, simplified-muon: slope -0.01',\
     NaN with points pt 8 ps 1.6 lw 2 lc rgb 'black' title '> budget (not converged)'
