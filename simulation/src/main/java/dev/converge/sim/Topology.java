package dev.converge.sim;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.random.RandomGenerator;

/**
 * Which node slots may link: adjacency matrices for the simulator's network. Every topology here
 * is connected, so a cluster on it can converge.
 */
public final class Topology {

    /** The shapes a simulation seed may draw. */
    public enum Kind {
        /** Every pair linked. */
        FULL,
        /** Node i linked to i ± 1: the longest paths, where forwarding matters most. */
        RING,
        /** Node 0 linked to every other, no other links. */
        STAR,
        /** A random connected graph: a random spanning tree plus extra random links. */
        RANDOM
    }

    private Topology() {
    }

    /** The topology {@code kind} on {@code n} nodes; {@code random} draws RANDOM's links. */
    public static boolean[][] of(Kind kind, int n, RandomGenerator random) {
        return switch (kind) {
            case FULL -> full(n);
            case RING -> ring(n);
            case STAR -> star(n);
            case RANDOM -> randomConnected(n, random);
        };
    }

    public static boolean[][] full(int n) {
        boolean[][] a = new boolean[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                a[i][j] = i != j;
            }
        }
        return a;
    }

    public static boolean[][] ring(int n) {
        return circulant(n, 1);
    }

    public static boolean[][] star(int n) {
        boolean[][] a = new boolean[n][n];
        for (int i = 1; i < n; i++) {
            link(a, 0, i);
        }
        return a;
    }

    /** Node i linked to i ± k mod n for each offset k: {@code circulant(15, 1, 4)} is the partial mesh of Enes et al. */
    public static boolean[][] circulant(int n, int... offsets) {
        boolean[][] a = new boolean[n][n];
        for (int i = 0; i < n; i++) {
            for (int k : offsets) {
                int j = Math.floorMod(i + k, n);
                if (j != i) {
                    link(a, i, j);
                }
            }
        }
        return a;
    }

    /** A complete binary tree in heap order: node i linked to 2i + 1 and 2i + 2. */
    public static boolean[][] binaryTree(int n) {
        boolean[][] a = new boolean[n][n];
        for (int i = 0; i < n; i++) {
            for (int c = 2 * i + 1; c <= 2 * i + 2 && c < n; c++) {
                link(a, i, c);
            }
        }
        return a;
    }

    /** A random connected graph: each node after the first links to a random earlier one, then about n/2 extra links. */
    public static boolean[][] randomConnected(int n, RandomGenerator random) {
        boolean[][] a = new boolean[n][n];
        for (int i = 1; i < n; i++) {
            link(a, i, random.nextInt(i));
        }
        for (int e = 0; e < n / 2; e++) {
            int i = random.nextInt(n);
            int j = random.nextInt(n);
            if (i != j) {
                link(a, i, j);
            }
        }
        return a;
    }

    /**
     * A random graph where every node has about {@code degree} links (a random permutation ring for
     * connectivity, plus random links up to the degree): a partial view as large clusters keep.
     */
    public static boolean[][] randomRegular(int n, int degree, RandomGenerator random) {
        boolean[][] a = new boolean[n][n];
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int[] deg = new int[n];
        for (int i = 0; i < n && n > 1; i++) {
            int x = order[i];
            int y = order[(i + 1) % n];
            if (x != y && !a[x][y]) {
                link(a, x, y);
                deg[x]++;
                deg[y]++;
            }
        }
        for (int x = 0; x < n; x++) {
            int attempts = 0;
            while (deg[x] < degree && attempts++ < 10 * degree) {
                int y = random.nextInt(n);
                if (y != x && !a[x][y] && deg[y] < degree + 1) {
                    link(a, x, y);
                    deg[x]++;
                    deg[y]++;
                }
            }
        }
        return a;
    }

    /** The number of links. */
    public static int edges(boolean[][] a) {
        int e = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = i + 1; j < a.length; j++) {
                e += a[i][j] ? 1 : 0;
            }
        }
        return e;
    }

    /** The longest shortest path (in links); Integer.MAX_VALUE when not connected. */
    public static int diameter(boolean[][] a) {
        int n = a.length;
        int max = 0;
        for (int s = 0; s < n; s++) {
            int[] dist = distances(a, s);
            for (int d : dist) {
                if (d < 0) {
                    return Integer.MAX_VALUE;
                }
                max = Math.max(max, d);
            }
        }
        return max;
    }

    /** Hop distances from {@code source} (-1: unreachable). */
    public static int[] distances(boolean[][] a, int source) {
        int n = a.length;
        int[] dist = new int[n];
        java.util.Arrays.fill(dist, -1);
        dist[source] = 0;
        Deque<Integer> queue = new ArrayDeque<>();
        queue.add(source);
        while (!queue.isEmpty()) {
            int u = queue.poll();
            for (int v = 0; v < n; v++) {
                if (a[u][v] && dist[v] < 0) {
                    dist[v] = dist[u] + 1;
                    queue.add(v);
                }
            }
        }
        return dist;
    }

    private static void link(boolean[][] a, int i, int j) {
        a[i][j] = true;
        a[j][i] = true;
    }
}
