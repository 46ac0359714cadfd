package org.lvdcheck.emulator.irq;

/** Exception and interrupt vectors (SDM Vol. 3A 6.3.1, Table 6-1). */
public final class Vectors {
    private Vectors() {
    }

    public static final int DE = 0;
    public static final int DB = 1;
    public static final int NMI = 2;
    public static final int BP = 3;
    public static final int OF = 4;
    public static final int BR = 5;
    public static final int UD = 6;
    public static final int NM = 7;
    public static final int DF = 8;
    public static final int TS = 10;
    public static final int NP = 11;
    public static final int SS = 12;
    public static final int GP = 13;
    public static final int PF = 14;
    public static final int MF = 16;
    public static final int AC = 17;
    public static final int MC = 18;
    public static final int XM = 19;
    public static final int VE = 20;

    /** Exceptions that push an error code (6.13): #DF, #TS, #NP, #SS, #GP, #PF, #AC. */
    public static boolean hasErrorCode(int vector) {
        return vector == DF || (vector >= TS && vector <= PF) || vector == AC;
    }

    /** Contributory exceptions of Table 6-4: #DE, #TS, #NP, #SS, #GP. */
    public static boolean contributory(int vector) {
        return vector == DE || (vector >= TS && vector <= GP);
    }
}
